"""Jurisdictions, process versions and form versions: checking, loading, looking up.

`processes/<jurisdiction>/` and `forms/` are loaded as the first published
versions; a file that did not change makes no new version.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session

from app import engine, formdefs
from app.errors import N_, DefinitionError, NotFound
from app.extensions import db
from app.models import FormVersion, Jurisdiction, ProcessVersion, User, utcnow
from app.services import (
    divisions,
    legal_basis,
    lint,
    option_checks,
    subjects,
    trace,
    transaction,
)

META_KEYS = {"key", "name", "ref_prefix", "counties", "processes"}


@dataclass
class Package:
    """A jurisdiction folder read from disk."""

    folder: Path
    meta: dict
    files: dict[str, bytes]


def read_package(folder: Path) -> Package:
    """Return the jurisdiction package in `folder`; raise DefinitionError."""
    meta_path = folder / "meta.yaml"
    if not meta_path.exists():
        raise DefinitionError(N_("meta.yaml is missing"), file=str(meta_path))
    try:
        meta = formdefs.load_yaml(meta_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise DefinitionError(N_("invalid YAML: %(error)s"), file=str(meta_path),
                              error=str(error)) from None
    if not isinstance(meta, dict):
        raise DefinitionError(N_("meta.yaml must be a mapping"), file=str(meta_path))
    missing = META_KEYS - set(meta)
    if missing:
        raise DefinitionError(N_("missing keys: %(keys)s"), file=str(meta_path),
                              keys=", ".join(sorted(missing)))
    files = {p.name: p.read_bytes() for p in sorted(folder.iterdir())
             if p.suffix in (".bpmn", ".dmn")}
    return Package(folder, meta, files)


def read_packages(process_dir: str | Path) -> list[Package]:
    """Return every jurisdiction package under `process_dir`; raise DefinitionError."""
    root = Path(process_dir)
    return [read_package(d) for d in sorted(root.iterdir())
            if d.is_dir() and (d / "meta.yaml").exists()]


def _check_package(package: Package, forms: dict) -> tuple[dict, list[DefinitionError]]:
    definitions, problems = engine.check_definitions(package.files)
    for problem in problems:  # the engine knows bare file names; say which jurisdiction's
        problem.file = str(package.folder / problem.file) if problem.file else problem.file
    meta_file = package.folder / "meta.yaml"
    problems += legal_basis.check_meta(package.meta, str(meta_file))
    problems += lint.demo_user_problems(package.meta, meta_file)
    problems += lint.duplicate_problems(package.meta, meta_file)
    facts, roots = engine.read_facts(package.files)
    _add_lines(problems, package.folder, facts.lines)
    problems += lint.layout(package.folder, roots)
    problems += lint.loop_reasons(package.folder, roots)
    if any(isinstance(p, engine.ParseError) for p in problems):
        return definitions, problems  # what a failed file defines is unknown: no guesses
    problems += _check_listing(package, definitions, forms)
    problems += lint.name_problems(package.folder, facts, facts.defined)
    if not isinstance(forms, _AnyForm):
        problems += lint.choice_problems(package.folder, facts, forms)
        problems += lint.review_problems(package.folder, facts, roots, forms)
    return definitions, problems


def _add_lines(problems: list[DefinitionError], folder: Path, lines: dict) -> None:
    """Give the engine's problems the XML line of their element (a table's is "task/table")."""
    for problem in problems:
        name = Path(problem.file).name if problem.file else ""
        if not problem.line and problem.element and Path(problem.file).parent == folder:
            problem.line = lines.get((name, problem.element.split("/")[0]), 0)


def _check_listing(package: Package, definitions: dict, forms: dict) -> list[DefinitionError]:
    meta_file = str(package.folder / "meta.yaml")
    listed = {p["key"]: p for p in package.meta["processes"]}
    problems = [DefinitionError(N_("process %(key)s listed in meta.yaml is not in any BPMN file"),
                                meta_file, key=key)
                for key in sorted(listed.keys() - definitions.keys())]
    problems += divisions.check_meta(package.meta, meta_file)
    problems += [DefinitionError(N_("process %(key)s: %(problem)s"), meta_file, key=key,
                                 problem=problem)
                 for key, entry in listed.items() for problem in subjects.problems(entry)]
    for definition in definitions.values():
        file = str(package.folder / listed.get(definition.key, {}).get("file", definition.key))
        problems += divisions.check_lanes(
            package.meta, {t.id: t.lane for t in definition.user_tasks}, file)
        for task in definition.user_tasks:
            if task.form and task.form not in forms:
                problems.append(DefinitionError(
                    N_("form forms/%(form)s.yaml does not exist"), file, task.id, form=task.form))
        problems.extend(_check_override(definition, forms, file))
        problems += option_checks.problems(listed.get(definition.key, {}),
                                           {t.id for t in definition.user_tasks}, listed,
                                           meta_file)
    return problems


OVERRIDE_FIELDS = {"decision", "precheck_override", "precheck_override_reason"}


def _check_override(definition, forms: dict, file: str) -> list[DefinitionError]:
    """A procedure with an automatic pre-check needs an official's form that can record an
    override with its reason: the product then refuses an approval over a failed check
    without one (services/tasks.py), whoever draws the diagram."""
    if not definition.decisions or isinstance(forms, _AnyForm) or any(
            task.form and task.form not in forms for task in definition.user_tasks):
        return []  # a missing form is reported already
    for task in definition.user_tasks:
        form = forms.get(task.form)
        if task.lane in divisions.OFFICIAL_LEVELS and form is not None \
                and OVERRIDE_FIELDS <= set(form.names()):
            return []
    return [DefinitionError(N_("the pre-check %(decision)s can be approved over without a "
                               "recorded override: give the official's review form the fields "
                               "decision, precheck_override and precheck_override_reason"),
                            file, definition.decisions[0], decision=definition.decisions[0])]


def check_all(process_dir, form_dir) -> list[DefinitionError]:
    """Return every problem in the processes and forms (empty when all is valid)."""
    problems = list(formdefs.check_forms(form_dir))
    forms = formdefs.load_forms(form_dir) if not problems else {}
    try:
        packages = read_packages(process_dir)
    except DefinitionError as error:
        return problems + [error]
    return problems + check_packages(packages, forms, Path(form_dir))


def check_packages(packages: list[Package], forms: dict, form_dir: Path,
                   siblings: dict | None = None) -> list[DefinitionError]:
    """Return the problems of `packages` and of the forms they use; `siblings` are other
    jurisdictions' meta.yaml that share the key, ref_prefix and process key spaces."""
    problems, used = [], []
    for package in packages:
        found = _check_package(package, forms if forms else _any_form)[1]
        problems.extend(found)
        failed = any(isinstance(p, engine.ParseError) for p in found)
        used.append((engine.read_facts(package.files)[0], failed))
    metas = {**(siblings or {}), **{p.folder / "meta.yaml": p.meta for p in packages}}
    problems += lint.across_problems(metas)
    if forms:
        problems += lint.show_data_problems(used, forms, form_dir)
    # Clause traceability (docs/PROCESSES.md "Traceability"), for folders listing `clauses:`.
    problems += trace.check_packages(packages, form_dir)
    return _unique(problems)


def _unique(problems: list[DefinitionError]) -> list[DefinitionError]:
    seen, kept = set(), []
    for problem in problems:
        key = (problem.file, problem.element, problem.line, problem.text())
        if key not in seen:
            seen.add(key)
            kept.append(problem)
    return kept


class _AnyForm(dict):
    """Stands for the form set when the forms themselves failed to load (no double reports)."""

    def __contains__(self, key) -> bool:
        return True


_any_form = _AnyForm()


def _sha(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def _latest(model, key: str, origin: str | None = None):
    query = sa.select(model).where(model.key == key)
    if origin:
        query = query.where(model.origin == origin)
    return db.session.scalars(query.order_by(model.version.desc()).limit(1)).first()


def _save_jurisdiction(meta: dict) -> None:
    record = db.session.get(Jurisdiction, meta["key"]) or Jurisdiction(key=meta["key"])
    record.name, record.name_en = meta["name"], meta.get("name_en", "")
    record.ref_prefix, record.counties = meta["ref_prefix"], meta["counties"]
    record.case_fields = meta.get("case_fields", {})
    record.division, record.cities = meta.get("division"), meta.get("cities")
    record.levels = meta.get("levels")
    divisions.forget()
    db.session.add(record)


ENTRY_KEYS = ("key", "file", "title", "title_en", "startable")
# Jurisdiction-wide defaults a process entry may override.
SHARED_OPTIONS = ("settings", "legal_basis")


def process_options(meta: dict, entry: dict) -> dict:
    """Return a process's options: its meta.yaml entry beyond ENTRY_KEYS, over the
    jurisdiction's shared `settings` and `legal_basis`."""
    options = {key: value for key, value in entry.items() if key not in ENTRY_KEYS}
    for key in SHARED_OPTIONS:
        if isinstance(meta.get(key), dict):
            options[key] = {**meta[key], **(options.get(key) or {})}
    # YAML dates become ISO strings: the options are stored as JSON.
    return json.loads(json.dumps(options, sort_keys=True, default=str))


def files_of(files: dict[str, bytes], facts, key: str) -> dict[str, str]:
    """Return the DMN files (of `files`) whose decisions process `key` calls, by name."""
    names = {facts.decisions[d] for d in facts.calls.get(key, ()) if d in facts.decisions}
    return {name: files[name].decode("utf-8") for name in sorted(names)}


def version_sha(bpmn: bytes, dmn: dict[str, str], forms: dict, options: dict) -> str:
    """Return the fingerprint of a version's texts: BPMN, DMN, pinned forms, options."""
    return _sha(bpmn, *(text.encode("utf-8") for text in dmn.values()),
                json.dumps({k: f.sha256 for k, f in forms.items()}, sort_keys=True).encode(),
                json.dumps(options, sort_keys=True).encode("utf-8"))


def next_version(model, key: str) -> int:
    """Return the number the next version of `key` gets (drafts count too)."""
    return (db.session.scalar(sa.select(sa.func.max(model.version)).where(model.key == key))
            or 0) + 1


def retire(key: str) -> None:
    """Mark the published version of `key` retired (a newer one is being published)."""
    db.session.execute(sa.update(ProcessVersion).where(
        ProcessVersion.key == key, ProcessVersion.status == "published").values(status="retired"))


def _save_process(package: Package, entry: dict, definition, facts, author: str) -> bool:
    """Publish a version of one process when its BPMN, the DMN it calls, the forms of its
    user tasks or its options changed since the last version loaded from files; other files
    of the folder do not matter, nor does a version published from the browser since."""
    bpmn = package.files[entry["file"]]
    dmn = files_of(package.files, facts, entry["key"])
    forms = {key: _latest(FormVersion, key, "files") for key in sorted(
        {t.form for t in definition.user_tasks if t.form})}
    options = process_options(package.meta, entry)
    sha = version_sha(bpmn, dmn, forms, options)
    db.session.execute(sa.update(ProcessVersion).where(  # versions from before the column
        ProcessVersion.key == entry["key"], ProcessVersion.file.is_(None))
        .values(file=entry["file"]))
    loaded = _latest(ProcessVersion, entry["key"], "files")
    if loaded is not None and loaded.sha256 == sha:
        return False
    retire(entry["key"])
    db.session.add(ProcessVersion(
        key=entry["key"], version=next_version(ProcessVersion, entry["key"]),
        jurisdiction=package.meta["key"], title=entry["title"],
        title_en=entry.get("title_en", ""),
        startable=bool(entry.get("startable", True)) and not options.get("follow_up"),
        options={**options, "start_lane": definition.start_lane},
        bpmn=bpmn.decode("utf-8"), dmn=dmn, spec=definition.spec, sha256=sha, author=author,
        forms={k: f.version for k, f in forms.items()}, note="loaded from processes/",
        origin="files", file=entry["file"], published_at=utcnow()))
    return True


def _save_forms(form_dir) -> int:
    """Add a form version for each form file changed since the last one loaded from files."""
    created = 0
    for path in sorted(Path(form_dir).glob("*.yaml")):
        source = path.read_text(encoding="utf-8")
        sha = hashlib.sha256(source.encode("utf-8")).hexdigest()
        loaded = _latest(FormVersion, path.stem, "files")
        if loaded is None or loaded.sha256 != sha:
            db.session.add(FormVersion(key=path.stem, version=next_version(FormVersion, path.stem),
                                       source=source, sha256=sha, origin="files"))
            created += 1
            db.session.flush()  # the next number counts it
    return created


def load_all(process_dir, form_dir, author: str = "system") -> dict[str, int]:
    """Publish changed processes and forms; return counts; raise the first DefinitionError."""
    problems = check_all(process_dir, form_dir)
    if problems:
        raise problems[0]
    forms = formdefs.load_forms(form_dir)
    counts = {"processes": 0, "forms": 0}
    with transaction():
        counts["forms"] = _save_forms(form_dir)
        for package in read_packages(process_dir):
            _save_jurisdiction(package.meta)
            definitions, _ = _check_package(package, forms)
            facts = engine.read_facts(package.files)[0]
            for entry in package.meta["processes"]:
                counts["processes"] += _save_process(
                    package, entry, definitions[entry["key"]], facts, author)
    return counts


def _latest_published(*selected):
    """SELECT `selected` of the latest published version of each process key, by key."""
    newest = (sa.select(ProcessVersion.key, sa.func.max(ProcessVersion.version).label("v"))
              .where(ProcessVersion.status == "published").group_by(ProcessVersion.key)
              .subquery())
    return sa.select(*selected).join(newest, sa.and_(
        ProcessVersion.key == newest.c.key, ProcessVersion.version == newest.c.v)
    ).order_by(ProcessVersion.key)


def latest_processes(startable_only: bool = False) -> list[ProcessVersion]:
    """Return the latest published version of each process key."""
    query = _latest_published(ProcessVersion)
    if startable_only:
        query = query.where(ProcessVersion.startable.is_(True))
    return list(db.session.scalars(query))


def latest_titles() -> list[sa.Row]:
    """Return (key, jurisdiction, title, title_en) of the latest published version of each
    process key: what a list's filter offers, without reading each version's options and
    form pins (a worklist page read 22 whole versions for their titles)."""
    return list(db.session.execute(_latest_published(
        ProcessVersion.key, ProcessVersion.jurisdiction, ProcessVersion.title,
        ProcessVersion.title_en)))


def latest_process(key: str) -> ProcessVersion:
    """Return the latest published version of `key`; raise NotFound."""
    version = db.session.scalars(
        sa.select(ProcessVersion).where(ProcessVersion.key == key,
                                        ProcessVersion.status == "published")
        .order_by(ProcessVersion.version.desc()).limit(1)).first()
    if version is None:
        raise NotFound(N_("Process %(key)s does not exist or is not published."), key=key)
    return version


@lru_cache(maxsize=256)
def _parse_form(key: str, source: str) -> formdefs.FormDef:
    return formdefs.parse_form(formdefs.load_yaml(source), file=f"forms/{key}.yaml")


# A numbered form version never changes once stored: parsed ones are kept per process, by
# database, key and version (bounded), so a task's form costs no query after the first.
# Storing or removing any form version in this process forgets them all (tests that build
# databases afresh under one address load their forms that way).
_FORMS: OrderedDict[tuple[str, str, int], formdefs.FormDef] = OrderedDict()
FORMS_KEPT = 256


def form(key: str, version: int | None = None) -> formdefs.FormDef:
    """Return form `key` at `version` (default: its latest version); raise NotFound."""
    kept = (str(db.engine.url), key, version)
    if version is not None and kept in _FORMS:
        _FORMS.move_to_end(kept)
        return _FORMS[kept]
    record = _latest(FormVersion, key) if version is None else db.session.scalars(
        sa.select(FormVersion).where(FormVersion.key == key, FormVersion.version == version)
    ).first()
    if record is None:
        raise NotFound(N_("Form %(key)s does not exist."), key=key)
    parsed = _parse_form(key, record.source)
    _FORMS[(kept[0], key, record.version)] = parsed
    if len(_FORMS) > FORMS_KEPT:
        _FORMS.popitem(last=False)
    return parsed


@sa.event.listens_for(Session, "after_flush")
def _forget_changed_forms(session, _context) -> None:
    if any(isinstance(record, FormVersion)
           for record in (*session.new, *session.dirty, *session.deleted)):
        _FORMS.clear()


def case_form(case, key: str) -> formdefs.FormDef:
    """Return the version of form `key` that `case`'s process version pinned (the latest one
    for a form it did not pin, or a version published before pins existed); raise NotFound."""
    return form(key, (case.process_version.forms or {}).get(key))


# The parsed specs are cached by the engine; their texts are kept here, by version and
# digest (a published version's spec never changes; a new one has a new digest), so that
# moving a case reads no spec from the database. Bounded: a process holds a few versions.
_SPECS: OrderedDict[tuple[int, str], str] = OrderedDict()
SPECS_KEPT = 64


def spec_of(version: ProcessVersion) -> str:
    """Return the engine spec of `version`, read from the database once per process."""
    key = (version.id, version.sha256)
    spec = _SPECS.get(key)
    if spec is None:
        spec = _SPECS[key] = version.spec
        if len(_SPECS) > SPECS_KEPT:
            _SPECS.popitem(last=False)
    else:
        _SPECS.move_to_end(key)
    return spec


def jurisdiction(key: str) -> Jurisdiction:
    """Return the jurisdiction `key`; raise NotFound."""
    record = divisions.jurisdictions().get(key)
    if record is None:
        raise NotFound(N_("Jurisdiction %(key)s does not exist."), key=key)
    return record


def choices_for(jurisdiction_key: str, lang: str = "zh",
                experts: bool = True) -> dict[str, list[tuple[str, str]]]:
    """Return the run-time choice lists of a jurisdiction's forms (counties, experts; the
    experts are read only when `experts`, a form that offers none needs no query)."""
    record = jurisdiction(jurisdiction_key)
    experts = db.session.scalars(sa.select(User).where(
        User.role == "expert", User.jurisdiction == jurisdiction_key, User.active.is_(True))
        .order_by(User.username)) if experts else ()
    return {
        "counties": [(c["code"], record.county_name(c["code"], lang)) for c in record.counties],
        "experts": [(u.username, u.name or u.username) for u in experts],
    }


def warm() -> int:
    """Parse every stored form version once; return how many. gunicorn calls it in the master
    before forking (deploy/gunicorn.conf.py), so every worker, recycled ones included,
    starts with the parsed forms instead of parsing them on its first requests."""
    rows = db.session.execute(sa.select(FormVersion.key, FormVersion.source)).all()
    for key, source in rows[:_parse_form.cache_info().maxsize]:
        _parse_form(key, source)
    return len(rows)
