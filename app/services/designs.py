"""Designing procedures in the browser: drafts, four-eyes publishing, versions.

Saving makes a draft version (its author and note kept); a second designer or administrator
of the jurisdiction approves it; publishing makes it the version new cases start on, while
running cases stay on theirs. A draft with problems is saved but never published. Changing a
form versions the processes of the jurisdiction that use it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Mapping

import sqlalchemy as sa

from app import engine
from app.errors import N_, Conflict, NotAllowed, NotFound, Rejected
from app.extensions import db
from app.models import Case, FormVersion, ProcessVersion, User, utcnow
from app.services import catalog, retried, transaction
from app.services.design_files import (
    Checked,
    Folders,
    Texts,
    check_texts,
    default_folders,
    form_source,
    problem_rows,
    texts_of,
    used_forms,
)

WRITERS = ("designer", "admin")
READERS = (*WRITERS, "auditor")
MAX_NOTE = 2000
log = logging.getLogger("app.designs")


class Unpublishable(Rejected):
    """A draft the checks refuse: `problems` holds the API rows of its problems."""

    def __init__(self, message: str, problems: list[dict], **params):
        super().__init__(message, [(p["file"] or "_", p["message"]) for p in problems], **params)
        self.problems = problems


def _log(event: str, key: str, version: int, **who) -> None:
    """One JSON line per change of a procedure, beside the request log (web/observability.py)."""
    log.info(json.dumps({"time": utcnow().isoformat(timespec="milliseconds"), "event": event,
                         "process": key, "version": version, **who}, ensure_ascii=False))


def _jurisdiction_of(key: str) -> str:
    jurisdiction = db.session.scalar(sa.select(ProcessVersion.jurisdiction).where(
        ProcessVersion.key == key).order_by(ProcessVersion.version.desc()).limit(1))
    if jurisdiction is None:
        raise NotFound(N_("Process %(key)s does not exist or is not published."), key=key)
    return jurisdiction


def _require(user: User, key: str, roles: tuple[str, ...]) -> str:
    """Return the jurisdiction of `key`; raise NotAllowed unless `user` has one of `roles`
    there (an administrator or auditor without a jurisdiction acts in all of them)."""
    jurisdiction = _jurisdiction_of(key)
    if user.role not in roles:
        raise NotAllowed(N_("Only the designers and administrators of the jurisdiction change "
                            "its procedures.") if roles == WRITERS else
                         N_("Only process designers, auditors and administrators see the "
                            "procedures."))
    everywhere = user.jurisdiction is None and user.role != "designer"
    if not everywhere and user.jurisdiction != jurisdiction:
        raise NotAllowed(N_("This procedure belongs to another jurisdiction."))
    return jurisdiction


def require_writer(user: User, key: str) -> str:
    """Return the jurisdiction of `key`; raise NotFound, or NotAllowed unless `user` may change
    its procedures (a designer or administrator there)."""
    return _require(user, key, WRITERS)


def version_record(user: User, key: str, version: int) -> ProcessVersion:
    """Return version `version` of process `key`; raise NotFound / NotAllowed."""
    _require(user, key, READERS)
    record = db.session.scalars(sa.select(ProcessVersion).where(
        ProcessVersion.key == key, ProcessVersion.version == version)).first()
    if record is None:
        raise NotFound(N_("Process %(key)s has no version %(version)s."), key=key,
                       version=version)
    return record


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def versions(user: User, key: str) -> list[dict]:
    """Return every version of `key`, newest first, with the number of cases running on it;
    raise NotFound / NotAllowed."""
    _require(user, key, READERS)
    records = db.session.scalars(sa.select(ProcessVersion).where(ProcessVersion.key == key)
                                 .order_by(ProcessVersion.version.desc())).all()
    running = dict(db.session.execute(
        sa.select(Case.process_version_id, sa.func.count()).where(
            Case.process_key == key, Case.ended.is_(False)).group_by(Case.process_version_id)
    ).all())
    return [version_row(r, running.get(r.id, 0)) for r in records]


def version_row(record: ProcessVersion, running_cases: int = 0) -> dict:
    """Return the API row of a version (dates as ISO-8601)."""
    return {"version": record.version, "status": record.status, "author": record.author,
            "approver": record.approver, "note": record.note,
            "created_at": _iso(record.created_at), "approved_at": _iso(record.approved_at),
            "published_at": _iso(record.published_at), "base_version": record.base_version,
            "origin": record.origin, "running_cases": running_cases,
            "problems": record.problem_count}


def overview(user: User, key: str) -> dict:
    """Return what the versions page shows: the procedure's latest title and jurisdiction,
    its versions, and whether `user` may approve and publish; raise NotFound / NotAllowed."""
    rows = versions(user, key)
    newest = version_record(user, key, rows[0]["version"])
    try:
        _require(user, key, WRITERS)
        may_write = True
    except NotAllowed:
        may_write = False
    return {"key": key, "title": newest.title, "title_en": newest.title_en,
            "jurisdiction": newest.jurisdiction, "versions": rows, "may_write": may_write,
            "user": user.username}


def files(user: User, key: str, version: int) -> dict[str, str]:
    """Return the files of a version by name: its BPMN, each DMN it holds, and each form its
    user tasks use as forms/<key>.yaml (a draft's changed forms as changed); raise NotFound /
    NotAllowed."""
    record = version_record(user, key, version)
    texts = texts_of(record)
    found = {texts.file: texts.bpmn, **texts.dmn}
    keys = _form_keys(record, texts)
    for form in sorted(keys):
        source = texts.forms.get(form) or form_source(form, (record.forms or {}).get(form))
        if source is not None:
            found[f"forms/{form}.yaml"] = source
    return found


def _form_keys(record: ProcessVersion, texts: Texts) -> set[str]:
    facts = engine.read_facts({texts.file: texts.bpmn.encode("utf-8")})[0]
    keys = {task.form for task in facts.user_tasks if task.form}
    return keys or set(record.forms or {}) | set(texts.forms)


def _checked(key: str, jurisdiction: str, texts: Texts, folders: Folders | None) -> Checked:
    return check_texts(key, jurisdiction, texts, folders or default_folders())


def _draft_texts(key: str, changed: Mapping) -> tuple[ProcessVersion, Texts]:
    """The latest published version of `key` and its texts with `changed` laid over them;
    forms equal to their latest version are left out."""
    base = catalog.latest_process(key)
    texts = texts_of(base).over(changed)
    texts.forms = {k: v for k, v in texts.forms.items() if v != form_source(k)}
    return base, texts


def _outside(checked: Checked, texts: Texts, base: ProcessVersion) -> list[tuple]:
    """Changed files this process may not change: a form of no user task of it or one that
    another jurisdiction's procedures use too, a DMN it does not call."""
    used = used_forms(checked, texts.file)
    if used is None:
        return []  # the diagram does not parse: its problems say so
    reasons = [(f"forms/{k}.yaml", N_("No user task of this process uses form %(form)s."),
                {"form": k}) for k in sorted(set(texts.forms) - used)]
    elsewhere = {form for other in catalog.latest_processes()
                 if other.jurisdiction != base.jurisdiction for form in other.forms or {}}
    reasons += [(f"forms/{k}.yaml", N_("Form %(form)s is used by procedures of other "
                                       "jurisdictions too: change it in forms/ and run "
                                       "processes load."), {"form": k})
                for k in sorted(set(texts.forms) & used & elsewhere)]
    called = set(catalog.files_of(checked.package.files, checked.facts, base.key))
    reasons += [(name, N_("This process calls no decision of %(file)s."), {"file": name})
                for name, text in sorted(texts.dmn.items())
                if name not in called and text != (base.dmn or {}).get(name)]
    return reasons


def _rows(checked: Checked, folders: Folders | None, translate) -> list[dict]:
    return problem_rows(checked, (folders or default_folders()).forms, translate)


def check(user: User, key: str, files: Mapping, *, folders: Folders | None = None,
          translate: Callable[[str], str] = str) -> list[dict]:
    """Return the problems {"file", "element", "line", "message"} of process `key` with
    `files` over its published texts (nothing saved); raise NotAllowed / NotFound / Rejected."""
    jurisdiction = _require(user, key, WRITERS)
    base, texts = _draft_texts(key, files)
    checked = _checked(key, jurisdiction, texts, folders)
    _refuse_outside(checked, texts, base)
    return _rows(checked, folders, translate)


def _refuse_outside(checked: Checked, texts: Texts, base: ProcessVersion) -> None:
    reasons = _outside(checked, texts, base)
    if reasons:
        raise Rejected(N_("Some files are not part of this process: %(files)s"), reasons,
                       files=", ".join(r[0] for r in reasons))


def _note(note) -> str:
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise Rejected(N_("The note must be text of at most %(limit)s characters."),
                       [("note", N_("At most %(limit)s characters."), {"limit": MAX_NOTE})],
                       limit=MAX_NOTE)
    return note.strip()


@retried  # a concurrent draft of the key may take the same number (PostgreSQL)
def create_draft(user: User, key: str, files: Mapping, note: str, *,
                 folders: Folders | None = None, now: dt.datetime | None = None,
                 translate: Callable[[str], str] = str) -> tuple[int, list[dict]]:
    """Save `files` over the published texts of `key` as a draft; return its number and its
    problems (a draft with problems is saved too); raise NotAllowed / NotFound / Rejected."""
    jurisdiction = _require(user, key, WRITERS)
    note = _note(note)
    base, texts = _draft_texts(key, files)
    checked = _checked(key, jurisdiction, texts, folders)
    _refuse_outside(checked, texts, base)
    with transaction():
        number = catalog.next_version(ProcessVersion, key)
        db.session.add(ProcessVersion(
            key=key, version=number, jurisdiction=jurisdiction, title=base.title,
            title_en=base.title_en, startable=base.startable, options=dict(base.options or {}),
            bpmn=texts.bpmn, dmn=_dmn_used(checked, texts, key), spec="",
            forms=dict(base.forms or {}), sha256=_draft_sha(texts), status="draft",
            author=user.username, note=note, created_at=now or utcnow(), base_version=base.version,
            origin="browser", file=texts.file, draft_forms=texts.forms,
            problem_count=len(checked.problems)))
    _log("draft_saved", key, number, author=user.username)
    return number, _rows(checked, folders, translate)


def _dmn_used(checked: Checked, texts: Texts, key: str) -> dict[str, str]:
    """The DMN the draft's process calls (all it holds when its diagram does not parse)."""
    if checked.facts is None or used_forms(checked, texts.file) is None:
        return texts.dmn
    return catalog.files_of(checked.package.files, checked.facts, key)


def _draft_sha(texts: Texts) -> str:
    digest = hashlib.sha256(texts.bpmn.encode("utf-8"))
    for name, text in sorted({**texts.dmn, **texts.forms}.items()):
        digest.update(name.encode("utf-8") + hashlib.sha256(text.encode("utf-8")).digest())
    return digest.hexdigest()


def _draft(user: User, key: str, version: int) -> ProcessVersion:
    _require(user, key, WRITERS)
    record = version_record(user, key, version)
    if record.status != "draft":
        raise Conflict(N_("Version %(version)s is not a draft: it was published already."),
                       version=version)
    return record


def approve(user: User, key: str, version: int, *,
            now: dt.datetime | None = None) -> ProcessVersion:
    """Record `user` as the second person approving draft `version`; return it; raise
    NotAllowed (the draft's author, another jurisdiction, a wrong role) / NotFound / Conflict."""
    with transaction():
        record = _draft(user, key, version)
        if record.author == user.username:
            raise NotAllowed(N_("You cannot approve your own draft: a second designer or "
                                "administrator of the jurisdiction must approve it."))
        record.approver, record.approved_at = user.username, now or utcnow()
    _log("draft_approved", key, version, author=record.author, approver=user.username)
    return record


@retried
def publish(user: User, key: str, version: int, *, folders: Folders | None = None,
            now: dt.datetime | None = None,
            translate: Callable[[str], str] = str) -> ProcessVersion:
    """Make approved, problem-free draft `version` the version new cases of `key` start on;
    return it; raise NotAllowed / NotFound / Unpublishable (422: problems or not approved) /
    Conflict (another version was published since the draft's base)."""
    now = now or utcnow()
    with transaction():
        record = _draft(user, key, version)
        if not record.approver:
            raise Unpublishable(N_("A second designer or administrator must approve the draft "
                                   "before it is published."), [])
        current = catalog.latest_process(key)
        if current.version != record.base_version:
            raise Conflict(N_("Version %(current)s was published after this draft was made from "
                              "version %(base)s: save the changes again on the current version."),
                           current=current.version, base=record.base_version)
        checked = _checked(key, record.jurisdiction, texts_of(record), folders)
        problems = _rows(checked, folders, translate)
        if problems or key not in checked.definitions:
            raise Unpublishable(N_("The draft has problems and cannot be published."), problems)
        changed = _publish_forms(record, now)
        _make_published(record, checked, current, changed, now)
        _version_users_of(changed, record, now)
    _log("version_published", key, version, by=user.username, author=record.author,
         approver=record.approver)
    return record


def _publish_forms(record: ProcessVersion, now: dt.datetime) -> dict[str, int]:
    """Add a form version for each form the draft changes; return {key: new version}."""
    changed = {}
    for key, source in sorted((record.draft_forms or {}).items()):
        if source == form_source(key):
            continue  # published meanwhile with the same text
        number = catalog.next_version(FormVersion, key)
        db.session.add(FormVersion(key=key, version=number, source=source, origin="browser",
                                   sha256=hashlib.sha256(source.encode("utf-8")).hexdigest(),
                                   created_at=now))
        db.session.flush()
        changed[key] = number
    return changed


def _pins(keys, pinned: Mapping[str, int], changed: Mapping[str, int]) -> dict:
    """The form versions a published draft pins: those it changed, else its base's, else
    the latest (a form its base did not use)."""
    latest = {key: db.session.scalar(sa.select(sa.func.max(FormVersion.version)).where(
        FormVersion.key == key)) for key in keys}
    return {key: changed.get(key) or pinned.get(key) or latest[key] for key in sorted(keys)
            if latest[key] is not None}


def _make_published(record: ProcessVersion, checked: Checked, current: ProcessVersion,
                    changed: Mapping[str, int], now: dt.datetime) -> None:
    definition = checked.definitions[record.key]
    keys = {task.form for task in definition.user_tasks if task.form}
    record.spec, record.forms = definition.spec, _pins(keys, current.forms or {}, changed)
    record.dmn = catalog.files_of(checked.package.files, checked.facts, record.key)
    record.options = {**(current.options or {}), "start_lane": definition.start_lane}
    record.sha256 = _sha_of(record)
    catalog.retire(record.key)
    record.status, record.published_at = "published", now


def _sha_of(record: ProcessVersion) -> str:
    forms = {key: db.session.scalars(sa.select(FormVersion).where(
        FormVersion.key == key, FormVersion.version == number)).one()
        for key, number in (record.forms or {}).items()}
    return catalog.version_sha(record.bpmn.encode("utf-8"), record.dmn or {}, forms,
                               record.options or {})


def _version_users_of(changed: Mapping[str, int], source: ProcessVersion,
                      now: dt.datetime) -> None:
    """Publish a new version of each other process of the jurisdiction whose user tasks use a
    form the draft changed, pinning the new form version (same author and approver)."""
    if not changed:
        return
    for other in catalog.latest_processes():
        uses = sorted(set(other.forms or {}) & set(changed))
        if other.jurisdiction != source.jurisdiction or other.key == source.key or not uses:
            continue
        copy = ProcessVersion(
            key=other.key, version=catalog.next_version(ProcessVersion, other.key),
            jurisdiction=other.jurisdiction, title=other.title, title_en=other.title_en,
            startable=other.startable, options=dict(other.options or {}), bpmn=other.bpmn,
            dmn=dict(other.dmn or {}), spec=other.spec,
            forms={**other.forms, **{k: changed[k] for k in uses}}, sha256="", status="published",
            author=source.author, approver=source.approver, approved_at=source.approved_at,
            published_at=now, created_at=now, base_version=other.version, origin="browser",
            file=other.file, note=f"forms {', '.join(uses)} changed with {source.key} "
                                  f"v{source.version}")
        copy.sha256 = _sha_of(copy)
        catalog.retire(other.key)
        db.session.add(copy)
        db.session.flush()
