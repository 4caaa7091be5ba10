"""Form definitions: the FieldDef / FormDef records and the YAML files they are read from."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from app.errors import N_, DefinitionError
from app.formdefs import rules
from app.formdefs.messages import language
from app.formdefs.safe_yaml import load_yaml
from app.formdefs.sections import SectionDef, parse_sections, section_problems


@dataclass(frozen=True)
class FieldDef:
    """One field of a form; `options` holds the remaining YAML keys with type defaults filled in."""

    name: str
    type: str
    label: str
    label_en: str = ""
    help: str = ""
    help_en: str = ""
    required: bool = False
    options: dict = field(default_factory=dict)
    columns: tuple[FieldDef, ...] = ()
    show_if: dict | None = None

    def __hash__(self) -> int:  # options is a dict; equal fields still hash equal
        return hash((self.name, self.type, self.label, self.columns))

    def label_for(self, lang: str = "zh") -> str:
        """Return the label in `lang`, falling back to the Chinese one."""
        return self.label_en if language(lang) == "en" and self.label_en else self.label

    def help_for(self, lang: str = "zh") -> str:
        """Return the help text in `lang`, falling back to the Chinese one."""
        return self.help_en if language(lang) == "en" and self.help_en else self.help

    def option(self, key: str, default=None):
        """Return option `key` (e.g. "max_length"), or `default` when the YAML has none."""
        return self.options.get(key, default)


@dataclass(frozen=True)
class FormDef:
    """One form (`forms/<key>.yaml`): its title, the earlier data it shows, its fields."""

    key: str
    title: str
    title_en: str = ""
    show_data: tuple[str, ...] = ()
    fields: tuple[FieldDef, ...] = ()
    sections: tuple[SectionDef, ...] = ()
    corrects: str = ""  # the case-data key a return for correction asks the applicant to fix

    def title_for(self, lang: str = "zh") -> str:
        """Return the title in `lang`, falling back to the Chinese one."""
        return self.title_en if language(lang) == "en" and self.title_en else self.title

    def label(self, lang: str = "zh") -> str:
        """Return the title in `lang` (alias of title_for)."""
        return self.title_for(lang)

    def field(self, name: str) -> FieldDef:
        """Return the top-level field `name`; raise KeyError."""
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    def names(self) -> tuple[str, ...]:
        """Return the top-level field names in order."""
        return tuple(f.name for f in self.fields)

    def section(self, name: str) -> SectionDef:
        """Return the section `name`; raise KeyError."""
        for candidate in self.sections:
            if candidate.name == name:
                return candidate
        raise KeyError(name)


class _Problems:
    """Collects every problem of one file, so `check_forms` can report them all at once."""

    def __init__(self, file: str):
        self.file = file
        self.found: list[DefinitionError] = []

    def add(self, element: str, message: str, **params) -> None:
        self.found.append(DefinitionError(message, file=self.file, element=element, **params))


# ------------------------------------------------------------------------------ parsing


def parse_form(raw: dict, file: str = "") -> FormDef:
    """Return the FormDef of a loaded YAML mapping; raise DefinitionError (file, field, why)."""
    form, problems = _parse(raw, file)
    if problems:
        raise problems[0]
    return form


def _parse(raw, file: str) -> tuple[FormDef | None, list[DefinitionError]]:
    problems = _Problems(file)
    if not isinstance(raw, dict):
        problems.add("", N_("a form definition must be a mapping with key, title and fields"))
        return None, problems.found
    _check_form_keys(raw, problems)
    fields = _parse_fields(raw.get("fields"), "", problems, in_table=False)
    _check_conditions(fields, problems)
    names = [f.name for f in fields]
    if "sections" in raw and not problems.found:
        for element, message, params in section_problems(raw["sections"], names):
            problems.add(element, message, **params)
    _check_correction(raw.get("corrects"), fields, problems)
    if problems.found:
        return None, problems.found
    return FormDef(key=raw["key"], title=raw["title"], title_en=raw.get("title_en", ""),
                   show_data=tuple(raw.get("show_data") or ()), fields=fields,
                   sections=parse_sections(raw.get("sections"), names),
                   corrects=raw.get("corrects") or ""), []


def _check_form_keys(raw: dict, problems: _Problems) -> None:
    for key in raw.keys() - rules.FORM_KEYS.keys():
        problems.add(str(key), N_("unknown key %(key)s in a form definition"), key=key)
    for key, check in rules.FORM_KEYS.items():
        if key not in raw:
            if key in rules.REQUIRED_FORM_KEYS:
                problems.add(key, N_("the form needs %(key)s"), key=key)
            continue
        problem = check(raw[key], "")
        if problem:
            problems.add(key, problem, key=key)


def _parse_fields(raw, where: str, problems: _Problems, in_table: bool) -> tuple[FieldDef, ...]:
    owner = where.rstrip(".") or "fields"
    if not isinstance(raw, list) or not raw:
        problems.add(owner, N_("%(key)s must be a non-empty list of fields"),
                     key="columns" if in_table else "fields")
        return ()
    parsed = [_parse_field(item, f"#{index + 1}", where, problems, in_table)
              for index, item in enumerate(raw)]
    fields = tuple(f for f in parsed if f is not None)
    for name in _duplicates(f.name for f in fields):
        problems.add(where + name, N_("the field name %(name)s is used twice"), name=name)
    return fields


def _duplicates(names: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    twice: list[str] = []
    for name in names:
        (twice if name in seen else []).append(name)
        seen.add(name)
    return twice


def _parse_field(raw, position: str, where: str, problems: _Problems,
                 in_table: bool) -> FieldDef | None:
    if not isinstance(raw, dict):
        problems.add(where + position, N_("a field must be a mapping with name, type and label"))
        return None
    name = raw.get("name")
    element = where + (name if isinstance(name, str) and name else position)
    before = len(problems.found)
    _check_name(name, element, problems)
    ftype = raw.get("type")
    if ftype not in rules.TYPES:
        problems.add(element, N_("unknown field type %(type)s; use one of: %(types)s"),
                     type=ftype, types=", ".join(rules.TYPES))
        return None
    _check_keys(raw, ftype, element, problems, in_table)
    columns = (_parse_fields(raw.get("columns"), f"{element}.", problems, in_table=True)
               if ftype == "table" else ())
    if len(problems.found) > before:
        return None
    return _field_def(raw, ftype, columns)


def _check_name(name, element: str, problems: _Problems) -> None:
    if name is None:
        problems.add(element, N_("the field needs a name"))
        return
    problem = rules.name_problem(name)
    if problem:
        problems.add(element, problem, name=name)


def _check_keys(raw: dict, ftype: str, element: str, problems: _Problems, in_table: bool) -> None:
    type_rules = rules.TYPES[ftype]
    if in_table and not type_rules.in_tables:
        problems.add(element, N_("a %(type)s field cannot be a table column"), type=ftype)
    if in_table and "show_if" in raw:
        problems.add(element, N_("show_if is not supported inside table columns"))
    allowed = rules.COMMON_KEYS | type_rules.keys
    for key in sorted(map(str, raw.keys() - allowed)):
        problems.add(element, N_("unknown key %(key)s for a %(type)s field"), key=key, type=ftype)
    for key in ("label", *type_rules.needs):
        if key not in raw:
            problems.add(element, N_("a %(type)s field needs %(key)s"), key=key, type=ftype)
    _check_values(raw, ftype, allowed, element, problems)


def _check_values(raw: dict, ftype: str, allowed: frozenset[str], element: str,
                  problems: _Problems) -> None:
    for key, value in raw.items():
        check = rules.KEY_CHECKS.get(key) if key in allowed else None
        problem = check(value, ftype) if check else None
        if problem:
            problems.add(element, problem, key=key, type=ftype, most=rules.CAPS.get(key))
    for problem, params in rules.cross_problems(raw, ftype):
        problems.add(element, problem, **params)


def _field_def(raw: dict, ftype: str, columns: tuple[FieldDef, ...]) -> FieldDef:
    options = copy.deepcopy(rules.TYPES[ftype].defaults)
    options.update(copy.deepcopy({k: v for k, v in raw.items()
                                  if k not in rules.COMMON_KEYS and k != "columns"}))
    options.update(rules.normalised_bounds(options, ftype))
    options.update(rules.default_limits(options, ftype))
    return FieldDef(
        name=raw["name"], type=ftype, label=raw["label"], label_en=raw.get("label_en", ""),
        help=raw.get("help", ""), help_en=raw.get("help_en", ""),
        required=raw.get("required", False), options=options, columns=columns,
        show_if=copy.deepcopy(raw.get("show_if")))


def _check_conditions(fields: tuple[FieldDef, ...], problems: _Problems) -> None:
    earlier: dict[str, FieldDef] = {}
    for item in fields:
        if item.show_if is not None:
            controller = earlier.get(item.show_if["field"])
            problem = rules.condition_problem(item.show_if, controller)
            if problem:
                problems.add(item.name, problem, field=item.show_if["field"])
        earlier[item.name] = item


# A form that `corrects` a key lists the marked items in this table: which field or material
# (`item`, choices_from: correctable) and what to correct (`note`).
CORRECTIONS = "corrections"


def _check_correction(corrects, fields: tuple[FieldDef, ...], problems: _Problems) -> None:
    table = next((f for f in fields if f.name == CORRECTIONS and f.type == "table"), None)
    columns = {c.name: c for c in table.columns} if table else {}
    item = columns.get("item")
    marks = item is not None and item.option("choices_from") == "correctable"
    uses = [c.name for f in fields for c in (f, *f.columns)
            if c.option("choices_from") == "correctable"]
    if corrects and not (marks and "note" in columns):
        problems.add("corrects", N_("a form with corrects needs a table field corrections with "
                                    "the columns item (choices_from: correctable) and note"))
    elif uses and not corrects:
        problems.add(uses[0], N_("choices_from: correctable needs corrects on the form"))


# ------------------------------------------------------------------------------ files


def load_forms(directory: str | Path) -> dict[str, FormDef]:
    """Return {key: FormDef} of every *.yaml in `directory`; raise the first DefinitionError."""
    forms, problems = _read_directory(Path(directory))
    if problems:
        raise problems[0]
    return forms


def check_forms(directory: str | Path) -> list[DefinitionError]:
    """Return every problem of every *.yaml in `directory` (empty when all are valid)."""
    return _read_directory(Path(directory))[1]


def _read_directory(directory: Path) -> tuple[dict[str, FormDef], list[DefinitionError]]:
    if not directory.is_dir():
        return {}, [DefinitionError(N_("the form directory %(path)s does not exist"),
                                    file=str(directory), path=str(directory))]
    forms: dict[str, FormDef] = {}
    problems: list[DefinitionError] = []
    for path in sorted(directory.glob("*.yaml")):
        form, found = _read_file(path, str(Path(directory.name) / path.name))
        problems.extend(found)
        if form is not None:
            forms[form.key] = form
    return forms, problems


def _read_file(path: Path, file: str) -> tuple[FormDef | None, list[DefinitionError]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, [DefinitionError(N_("cannot read the file: %(error)s"), file=file,
                                      error=str(error))]
    return check_text(text, file, path.stem)


def check_text(text: str, file: str, stem: str) -> tuple[FormDef | None, list[DefinitionError]]:
    """Return the FormDef of YAML `text` meant as forms/<stem>.yaml (None when invalid) and
    every problem found in it."""
    try:
        raw = load_yaml(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return None, [DefinitionError(N_("invalid YAML: %(error)s"), file=file,
                                      element=f"line {mark.line + 1}" if mark else "",
                                      error=getattr(error, "problem", None) or str(error))]
    form, problems = _parse(raw, file)
    if form is not None and form.key != stem:
        problems = [DefinitionError(N_("the key %(key)s must equal the file name %(stem)s"),
                                    file=file, element="key", key=form.key, stem=stem)]
    return (form if not problems else None), problems
