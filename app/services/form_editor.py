"""The form editor: a jurisdiction's forms, and checking a form's YAML as it is typed.

The check is formdefs' own (the one `processes check` runs), with each problem placed on
its YAML line; the JSON Schema is the one `GET /api/tasks/<id>` serves for the form.
Nothing is saved here: a changed form reaches cases only through a published draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from app import formdefs
from app.errors import N_, DefinitionError, NotAllowed, NotFound, Rejected
from app.extensions import db
from app.models import FormVersion, ProcessVersion, User
from app.services import catalog, decision_try, designs

READERS = ("designer", "admin", "auditor")
FORM_KEY = re.compile(r"[a-z][a-z0-9_]{0,79}")
MAX_SOURCE = 256 * 1024  # characters; the largest shipped form is under 20 KB


@dataclass
class FormCheck:
    """What the editor shows for one text: problems, and when valid the form and its schema."""

    problems: list[DefinitionError]
    form: formdefs.FormDef | None
    schema: dict | None
    choices: dict
    used_by: list[str]


@dataclass
class EditorPage:
    """What an editor page opens with: the file's text and what it is used by or tried on."""

    process: ProcessVersion
    version: int
    source: str
    used_by: list[str]
    cases: list[dict]


def _require_reader(user: User, jurisdiction: str | None) -> None:
    if user.role not in READERS or (
            jurisdiction and user.jurisdiction and user.jurisdiction != jurisdiction):
        raise NotAllowed(N_("Only designers, auditors and administrators of the jurisdiction "
                            "see its forms."))


def forms_of(user: User, process_key: str) -> list[dict]:
    """Return `[{"key","title","version"}]` of the forms the processes of `process_key`'s
    jurisdiction use (latest versions); raise NotFound / NotAllowed."""
    jurisdiction = catalog.latest_process(process_key).jurisdiction
    _require_reader(user, jurisdiction)
    keys = sorted({key for version in catalog.latest_processes()
                   if version.jurisdiction == jurisdiction for key in (version.forms or {})})
    newest = dict(db.session.execute(
        sa.select(FormVersion.key, sa.func.max(FormVersion.version))
        .where(FormVersion.key.in_(keys)).group_by(FormVersion.key)).all())
    return [{"key": key, "title": catalog.form(key).title, "version": newest[key]}
            for key in keys if key in newest]


def _jurisdiction_of(user: User, key: str) -> str | None:
    """The jurisdiction of a form: that of a process using it, else (a new form) the user's.
    Its run-time choices fill the preview."""
    for version in catalog.latest_processes():
        if key in (version.forms or {}):
            return version.jurisdiction
    return user.jurisdiction


def _checked_input(key, source) -> tuple[str, str]:
    reasons = []
    if not isinstance(key, str) or not FORM_KEY.fullmatch(key):
        reasons.append(("key", N_("A form key is lower-case letters, digits and _.")))
    if not isinstance(source, str):
        reasons.append(("source", N_("Must be a string.")))
    elif len(source) > MAX_SOURCE:
        reasons.append(("source", N_("The form is longer than %(most)s characters."),
                        {"most": MAX_SOURCE}))
    if reasons:
        raise Rejected(N_("Please correct the marked fields."), reasons)
    return key, source


def check_form(user: User, key, source, lang: str = "zh") -> FormCheck:
    """Return the check of YAML `source` as forms/<key>.yaml: problems with lines, and for a
    valid form its JSON Schema and run-time choices; raise Rejected / NotAllowed."""
    key, source = _checked_input(key, source)
    jurisdiction = _jurisdiction_of(user, key)
    _require_reader(user, jurisdiction)
    form, problems = formdefs.check_text(source, f"forms/{key}.yaml", key)
    formdefs.add_lines(source, problems)
    if form is None:
        return FormCheck(problems, None, None, {}, uses(key))
    choices = catalog.choices_for(jurisdiction, lang) if jurisdiction else {}
    return FormCheck([], form, formdefs.json_schema(form, choices, lang, {}), choices,
                     uses(key))


def uses(key: str) -> list[str]:
    """Return the keys of the processes whose latest published version uses form `key`."""
    return sorted(v.key for v in catalog.latest_processes() if key in (v.forms or {}))


def editor_source(user: User, key: str, name: str, version: int | None = None) -> tuple[int, str]:
    """Return (version, text) of file `name` (`forms/<form>.yaml` or `<table>.dmn`) of process
    `key` at `version` (default: the published one) for an editor; raise NotFound /
    NotAllowed."""
    number = version or catalog.latest_process(key).version
    texts = designs.files(user, key, number)
    if name not in texts:
        raise NotFound(N_("Version %(version)s of %(key)s has no file %(name)s."),
                       version=number, key=key, name=name)
    return number, texts[name]


def editor_page(user: User, key: str, name: str, version: int | None = None) -> EditorPage:
    """Return what the editor of file `name` of process `key` opens with (a form's users, a
    decision table's recent cases to try it on); raise NotFound / NotAllowed."""
    number, source = editor_source(user, key, name, version)
    form = name.removeprefix("forms/").removesuffix(".yaml")
    is_table = name.endswith(".dmn")
    return EditorPage(catalog.latest_process(key), number, source,
                      [] if is_table else uses(form),
                      decision_try.recent_cases(user, key) if is_table else [])
