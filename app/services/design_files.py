"""The files of a process version and how a draft of them is checked (services/designs.py).

A draft is checked as `processes check` checks a jurisdiction folder: the folder on disk
(meta.yaml and any other file), each process's latest published texts over it, the draft's
files over those; the forms of forms/ likewise under the latest form versions and the
draft's forms. catalog.check_packages is the one place the checks live.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
import yaml

from app import engine, formdefs
from app.config import Config
from app.errors import N_, DefinitionError, Rejected
from app.extensions import db
from app.models import FormVersion, ProcessVersion
from app.services import catalog

# Bounds of one draft: the largest BPMN of processes/ is about 120 kB.
MAX_FILE_CHARS = 1_000_000
MAX_FILES = 40
FORM_NAME = re.compile(r"forms/([A-Za-z0-9_-]{1,80})\.yaml")
DMN_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}\.dmn")
BPMN_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}\.bpmn")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Folders:
    """Where the jurisdiction folders and the forms are on disk."""

    processes: Path
    forms: Path

    def __post_init__(self):
        object.__setattr__(self, "processes", Path(self.processes))  # config holds strings
        object.__setattr__(self, "forms", Path(self.forms))


def default_folders() -> Folders:
    """Return the folders of the configuration's defaults (PROCESS_DIR, FORM_DIR)."""
    return Folders(Path(Config.PROCESS_DIR), Path(Config.FORM_DIR))


@dataclass
class Texts:
    """The texts of one version: its BPMN (under its file name), its DMN, the forms it changes."""

    file: str
    bpmn: str
    dmn: dict[str, str] = field(default_factory=dict)
    forms: dict[str, str] = field(default_factory=dict)

    def over(self, files: Mapping[str, str]) -> Texts:
        """Return these texts with `files` (names as in `split`) laid over them."""
        bpmn, dmn, forms = split(files, self.file)
        return Texts(self.file, bpmn if bpmn is not None else self.bpmn,
                     {**self.dmn, **dmn}, {**self.forms, **forms})


def bpmn_file(record: ProcessVersion) -> str:
    """Return the name of a version's BPMN file in its jurisdiction folder."""
    return record.file or f"{record.key}.bpmn"


def texts_of(record: ProcessVersion) -> Texts:
    """Return the texts a version holds (a draft's changed forms included)."""
    return Texts(bpmn_file(record), record.bpmn, dict(record.dmn or {}),
                 dict(record.draft_forms or {}))


def _text_reason(name: str, text) -> tuple | None:
    if not isinstance(text, str) or CONTROL.search(text):
        return (name, N_("%(file)s must be text."), {"file": name})
    if len(text) > MAX_FILE_CHARS:
        return (name, N_("%(file)s is longer than %(limit)s characters."),
                {"file": name, "limit": MAX_FILE_CHARS})
    return None


def _name_reason(name: str, own: str) -> tuple | None:
    if name == "meta.yaml":
        return (name, N_("meta.yaml is not changed in the browser: change the file in "
                         "processes/ and run processes load."), {})
    if name == own or FORM_NAME.fullmatch(name) or DMN_NAME.fullmatch(name):
        return None
    if BPMN_NAME.fullmatch(name):
        return (name, N_("%(file)s is not the diagram of this process (%(own)s)."),
                {"file": name, "own": own})
    return (name, N_("%(file)s is not a file a process version holds: its BPMN, a DMN file "
                     "or forms/<key>.yaml."), {"file": name})


def split(files, own: str) -> tuple[str | None, dict[str, str], dict[str, str]]:
    """Return the BPMN, DMN files and forms (by key) of `files`; raise Rejected for a name
    that is not one of this process's files, a text that is not text or too large."""
    if not isinstance(files, Mapping) or len(files) > MAX_FILES:
        raise Rejected(N_("files must be an object of at most %(limit)s file names and texts."),
                       [("files", N_("Not a set of files."))], limit=MAX_FILES)
    reasons = [r for name, text in files.items()
               for r in [_name_reason(str(name), own) or _text_reason(str(name), text)] if r]
    if reasons:
        raise Rejected(N_("Some files cannot be saved: %(files)s"), reasons,
                       files=", ".join(r[0] for r in reasons))
    forms = {FORM_NAME.fullmatch(n)[1]: t for n, t in files.items() if FORM_NAME.fullmatch(n)}
    dmn = {n: t for n, t in files.items() if DMN_NAME.fullmatch(n)}
    return files.get(own), dmn, forms


def form_source(key: str, version: int | None = None) -> str | None:
    """Return the YAML of form `key` at `version` (default: its latest), None if unknown."""
    query = sa.select(FormVersion.source).where(FormVersion.key == key)
    if version is not None:
        query = query.where(FormVersion.version == version)
    return db.session.scalar(query.order_by(FormVersion.version.desc()).limit(1))


def latest_form_sources() -> dict[str, str]:
    """Return the source of the latest version of every form, by key."""
    newest = (sa.select(FormVersion.key, sa.func.max(FormVersion.version).label("v"))
              .group_by(FormVersion.key).subquery())
    rows = db.session.execute(sa.select(FormVersion.key, FormVersion.source).join(
        newest, sa.and_(FormVersion.key == newest.c.key, FormVersion.version == newest.c.v)))
    return dict(rows.all())


def _folder(folders: Folders, jurisdiction: str) -> Path:
    """The folder whose meta.yaml has key `jurisdiction` (by convention, the same name)."""
    for candidate in [folders.processes / jurisdiction, *sorted(folders.processes.glob("*"))]:
        try:
            meta = formdefs.load_yaml((candidate / "meta.yaml").read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(meta, dict) and meta.get("key") == jurisdiction:
            return candidate
    return folders.processes / jurisdiction


@dataclass
class Checked:
    """A draft's package after checking: what it defines, its problems, where it lies."""

    package: catalog.Package
    problems: list[DefinitionError]
    sources: dict[str, str]  # every form's YAML, the draft's over the latest
    definitions: dict = field(default_factory=dict)
    facts: engine.Facts | None = None


def _package(key: str, jurisdiction: str, texts: Texts, folders: Folders) -> catalog.Package:
    package = catalog.read_package(_folder(folders, jurisdiction))
    listed = {p.get("key"): p.get("file") for p in package.meta["processes"]
              if isinstance(p, Mapping)}
    files = dict(package.files)
    for version in catalog.latest_processes():
        if version.jurisdiction == jurisdiction and version.key != key:
            files[version.file or listed.get(version.key) or bpmn_file(version)] = \
                version.bpmn.encode("utf-8")
            files.update({n: t.encode("utf-8") for n, t in (version.dmn or {}).items()})
    files[texts.file] = texts.bpmn.encode("utf-8")
    files.update({n: t.encode("utf-8") for n, t in texts.dmn.items()})
    return catalog.Package(package.folder, package.meta, files)


@lru_cache(maxsize=512)
def _parse_form(key: str, source: str) -> formdefs.FormDef:
    file = f"forms/{key}.yaml"
    try:
        raw = formdefs.load_yaml(source)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise DefinitionError(N_("invalid YAML: %(error)s"), file, line=mark.line + 1 if mark
                              else 0, error=getattr(error, "problem", None) or str(error)) from None
    form = formdefs.parse_form(raw, file=file)
    if form.key != key:
        raise DefinitionError(N_("the key %(key)s must equal the file name %(stem)s"), file,
                              "key", key=form.key, stem=key)
    return form


def _forms(sources: Mapping[str, str]) -> tuple[dict, list[DefinitionError]]:
    forms, problems = {}, []
    for key, source in sorted(sources.items()):
        try:
            forms[key] = _parse_form(key, source)
        except DefinitionError as error:
            problems.append(error)
    return forms, problems


def check_texts(key: str, jurisdiction: str, texts: Texts, folders: Folders) -> Checked:
    """Return the checked package of process `key` with `texts` over the published texts."""
    try:
        package = _package(key, jurisdiction, texts, folders)
    except DefinitionError as error:
        return Checked(catalog.Package(folders.processes / jurisdiction, {}, {}), [error], {})
    sources = {path.stem: path.read_text(encoding="utf-8")
               for path in sorted(folders.forms.glob("*.yaml"))}
    sources.update(latest_form_sources())
    sources.update(texts.forms)
    forms, problems = _forms(sources)
    problems += catalog.check_packages([package], forms, folders.forms)
    definitions, _ = engine.check_definitions(package.files)
    facts = engine.read_facts(package.files)[0]
    return Checked(package, problems, sources, definitions, facts)


def used_forms(checked: Checked, file: str) -> set[str] | None:
    """Return the forms the user tasks of BPMN `file` use (None when it did not parse)."""
    if checked.facts is None or not any(name == file for name, _ in checked.facts.lines):
        return None
    return {task.form for task in checked.facts.user_tasks if task.file == file and task.form}


def _relative(file: str, folder: Path, form_dir: Path) -> str:
    path = Path(file) if file else None
    if path is None:
        return ""
    if path.parent == folder:
        return path.name
    if path.parent.name == form_dir.name or file.startswith("forms/"):
        return f"forms/{path.name}"
    return file


def _form_line(sources: Mapping[str, str], file: str, element: str) -> int:
    """The line of a form field's definition (form problems name the field, not the line)."""
    key = file.removeprefix("forms/").removesuffix(".yaml")
    lines = (sources.get(key) or "").splitlines()
    needles = [f"name: {element}", f"{element}:"] if element else []
    return next((number for needle in needles for number, text in enumerate(lines, 1)
                 if needle in text), 0)


def _xml_line(checked: Checked, file: str, element: str) -> int:
    """The XML line of a problem's element (a table's problem names "task/table")."""
    lines = checked.facts.lines if checked.facts else {}
    return lines.get((file, (element or "").split("/")[0]), 0)


def problem_rows(checked: Checked, form_dir: Path,
                 translate: Callable[[str], str] = str) -> list[dict]:
    """Return the problems as API rows {"file", "element", "line", "message"}: file names as
    in a version's files (recognition.bpmn, forms/<key>.yaml, meta.yaml)."""
    rows = []
    for problem in checked.problems:
        file = _relative(problem.file, checked.package.folder, form_dir)
        line = problem.line or (_form_line(checked.sources, file, problem.element)
                                if file.startswith("forms/") else _xml_line(checked, file,
                                                                            problem.element))
        rows.append({"file": file, "element": problem.element or "", "line": line,
                     "message": problem.text(translate)})
    return rows
