"""Trying a decision table on an existing case: which rules match, which conditions pass.

Read-only. The case must be one of the process's cases. Designers cannot open cases
(access.py), but a designer or administrator of the process's jurisdiction may run this
evaluation on that jurisdiction's cases: it is how they test a threshold before
publishing, and it shows only the values the table reads. Auditors and other readers of
the case may try too.
"""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from app import engine
from app.errors import N_, DefinitionError, NotAllowed, NotFound, Rejected
from app.extensions import db
from app.models import Case, User
from app.services import access, calendar_days, catalog, element_names

DESIGNERS = ("designer", "admin")
MAX_TEXT = 1024 * 1024  # bytes of DMN XML, as for a package file
DMN_FILE = re.compile(r"[A-Za-z0-9_.-]{1,120}\.dmn")
RECENT = 30


def _may_try(user: User, case: Case) -> bool:
    if user.role in DESIGNERS:
        return user.jurisdiction is None or user.jurisdiction == case.jurisdiction
    return access.can_see_case(user, case)


def _case(user: User, key: str, case_id) -> Case:
    case = None
    if isinstance(case_id, int) and not isinstance(case_id, bool) and 0 < case_id < 2**31:
        case = db.session.get(Case, case_id)
    elif isinstance(case_id, str) and 0 < len(case_id) <= 30:
        case = db.session.scalars(sa.select(Case).where(Case.ref == case_id.strip())).first()
    if case is None or case.process_key != key or not _may_try(user, case):
        raise NotFound(N_("No such case of this procedure that you may try the table on."))
    return case


def _text(key: str, file, text) -> bytes:
    if not isinstance(file, str) or not DMN_FILE.fullmatch(file):
        raise Rejected(N_("Please correct the marked fields."),
                       [("file", N_("Name a .dmn file of the procedure."))])
    if text is None:
        published = catalog.latest_process(key).dmn or {}
        if file not in published:
            raise NotFound(N_("The procedure calls no decision table %(file)s."), file=file)
        return published[file].encode("utf-8")
    if not isinstance(text, str) or len(text.encode("utf-8")) > MAX_TEXT:
        raise Rejected(N_("Please correct the marked fields."),
                       [("text", N_("Must be the XML of the table, at most 1 MB."))])
    return text.encode("utf-8")


def _rule_json(rule: engine.decisions.RuleTrial) -> dict:
    return {"id": rule.id, "row": rule.row, "description": rule.description,
            "matched": rule.matched, "outputs": rule.outputs,
            "conditions": [{"input": c.input, "text": c.text, "passed": c.passed,
                            "value": c.value, "error": c.error} for c in rule.conditions]}


def _in_english(file: str, content: bytes, trial: dict) -> dict:
    """`trial` with its name, rule descriptions and condition labels in English where the
    table gives them (en:name, en:label)."""
    root = engine.parse_xml(file, content).getroot()
    labels, described = engine.english_labels(root), engine.english_rule_labels(root)
    trial["name"] = element_names.read(content.decode("utf-8")).of(trial["decision"], "en") \
        or trial["name"]
    for rule in trial["rules"]:
        rule["description"] = described.get(rule["id"]) or rule["description"]
        for condition in rule["conditions"]:
            condition["input"] = labels.get(condition["input"], condition["input"])
    return trial


def try_table(user: User, key: str, file, text, case_id, now: dt.datetime,
              lang: str = "zh") -> dict:
    """Return `{"decision","result","rules",...}` of DMN `file` (the draft `text`, else the
    published one) run on the data of case `case_id`, its labels in `lang`; raise NotFound /
    Rejected."""
    if user.role not in (*DESIGNERS, *access.READ_ONLY_ROLES, *access.LEVEL_ROLES):
        raise NotAllowed(N_("Only designers and readers of the case may try a decision table."))
    content = _text(key, file, text)
    case = _case(user, key, case_id)
    try:
        trial = engine.try_decision(file, content, case.data or {}, now,
                                    calendar_days.overrides())
    except DefinitionError as error:
        raise Rejected(N_("The decision table cannot be run: %(problem)s"),
                       [("text", error.message, error.params)], problem=error.text()) from None
    found = {"decision": trial.decision, "name": trial.name, "hit_policy": trial.hit_policy,
             "result": trial.result, "error": trial.error, "case_id": case.id,
             "case_ref": case.ref, "rules": [_rule_json(r) for r in trial.rules]}
    return _in_english(file, content, found) if lang == "en" else found


def recent_cases(user: User, key: str) -> list[dict]:
    """Return `[{"id","ref","base_name","status"}]` of the newest cases of `key` the user may
    try a table on."""
    jurisdiction = catalog.latest_process(key).jurisdiction
    query = sa.select(Case).where(Case.process_key == key).order_by(Case.id.desc()).limit(RECENT)
    if user.role in DESIGNERS:
        if user.jurisdiction not in (None, jurisdiction):
            return []
    else:
        query = query.where(access.visible_cases(user))
    return [{"id": c.id, "ref": c.ref, "base_name": c.base_name, "status": c.status}
            for c in db.session.scalars(query)]

