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
from app.errors import N_, DefinitionError, NotAllowed, Rejected
from app.extensions import db
from app.models import FormVersion, User
from app.services import catalog

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
    """The jurisdiction whose run-time choices fill the preview: the user's, else that of a
    process using the form."""
    if user.jurisdiction:
        return user.jurisdiction
    for version in catalog.latest_processes():
        if key in (version.forms or {}):
            return version.jurisdiction
    return None


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
        return FormCheck(problems, None, None, {})
    choices = catalog.choices_for(jurisdiction, lang) if jurisdiction else {}
    return FormCheck([], form, formdefs.json_schema(form, choices, lang, {}), choices)


def uses(key: str) -> list[str]:
    """Return the keys of the processes whose latest published version uses form `key`."""
    return sorted(v.key for v in catalog.latest_processes() if key in (v.forms or {}))


def source_of(user: User, process_key: str, key: str) -> str:
    """Return the YAML of the latest version of form `key` for the editor; raise NotFound /
    NotAllowed."""
    _require_reader(user, catalog.latest_process(process_key).jurisdiction)
    record = db.session.scalars(sa.select(FormVersion).where(FormVersion.key == key)
                                .order_by(FormVersion.version.desc()).limit(1)).first()
    if record is None:
        catalog.form(key)  # raises NotFound with the product's message
    return record.source

