"""A case as its pages show it: data by the forms that produced it, files, history, diagram.

Case data is labelled with the form definitions of the work items that produced it
(the work item's `variable` names the data key, its `form` the definition). Data a
multi-instance task collected into a list is matched to its form by field names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import defer, lazyload

from app.errors import N_, NotAllowed, NotFound
from app.extensions import db
from app.models import Attachment, Case, Event, Jurisdiction, User, WorkItem
from app.services import (
    access,
    audit,
    cases,
    catalog,
    corrections,
    divisions,
    element_names,
    follow_ups,
    loop_reasons,
    milestones,
    paging,
    replacement,
    trend,
    visibility,
)
from app.services.visibility import ShownEvent, chain

# Case data keys the case facts already show, or that only steer the procedure. Not a
# permission: who may read what is decided in app/services/visibility.py.
HIDDEN_KEYS = {"applicant", "precheck_conditions", "precheck_passed", "case_status", "case_ref",
               "jurisdiction", "parent_ref", "rejected_at", "valid_from", "valid_until",
               "certificate_no", "recognized_on", "expert_list", "settings"}


@dataclass
class Entry:
    """One filled-in form: its values and, for repeated forms, who filled it."""

    values: Mapping
    subtitle: str = ""


@dataclass
class Section:
    """A block of case data: labelled by `form` when known, else shown key by key."""

    key: str
    title: str
    form: object | None
    entries: list[Entry] = field(default_factory=list)


@dataclass
class TimelineEntry:
    event: Event
    actor: str
    subject: str = ""
    outcome: str = ""


@dataclass
class CasePage:
    case: Case
    process_title: str
    jurisdiction_name: str
    county_name: str
    sections: list[Section]
    choices: dict
    attachments: dict[str, Attachment]
    timeline: list[TimelineEntry]
    ready: list[WorkItem]
    workable: list[WorkItem]
    parent: Case | None
    children: list[Case]
    follow_ups: list  # ProcessVersions the reader may start on this case now
    diagram: dict
    precheck: dict | None
    can_download: bool
    replaceable: list[WorkItem] = field(default_factory=list)  # experts the city may replace
    experts: list[tuple[str, str]] = field(default_factory=list)
    end_reason: str | None = None  # why the case ended as it did, when its process says
    trend: trend.Trend | None = None  # the figures its periodic child cases reported
    milestones: list = field(default_factory=list)  # the applicant's row instead of the diagram
    loop_reasons: list = field(default_factory=list)  # why it came back to a step
    corrections: list = field(default_factory=list)  # its returns for correction (Round)


def _text(obj, name: str, lang: str) -> str:
    get = obj.get if isinstance(obj, Mapping) else lambda k, d=None: getattr(obj, k, d)
    return (get(f"{name}_en") if lang == "en" else None) or get(name) or ""


def _completed_items(case_ids: list[int]) -> list[WorkItem]:
    return list(db.session.scalars(sa.select(WorkItem).where(
        WorkItem.case_id.in_(case_ids), WorkItem.status == "completed", WorkItem.form.is_not(None))
        .order_by(WorkItem.completed_at, WorkItem.created_at)))


def _form_or_none(key: str | None, case: Case):
    try:
        return catalog.case_form(case, key) if key else None
    except NotFound:  # a form removed since: show the data unlabelled rather than fail
        return None


def _field_names(form) -> set[str]:
    return {f.name for f in form.fields}


def _matching_form(forms: list, values: list) -> object | None:
    keys = set().union(*(v.keys() for v in values if isinstance(v, Mapping)))
    for form in forms:
        if keys and keys <= _field_names(form):
            return form
    return None


def _entries_for_list(values: list, events_by_data: dict, names: dict) -> list[Entry]:
    entries = []
    for value in values:
        event = events_by_data.get(_fingerprint(value))
        who = names.get(event.actor, event.actor) if event else ""
        entries.append(Entry(value, who))
    return entries


def _fingerprint(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def data_sections(case: Case, data: Mapping, keys: list[str] | None, lang: str,
                  events: list[Event] | None = None, names: dict | None = None) -> list[Section]:
    """Return the case data under `keys` (default: all shown keys) as labelled sections."""
    items = _completed_items([c.id for c in chain(case)])
    producers = {item.variable: item for item in items}
    first: dict = {}  # one item per form: the form as its case's process version pinned it
    for item in items:
        first.setdefault(item.form, item)
    forms = [f for f in (_form_or_none(k, i.case) for k, i in first.items()) if f]
    order = list(dict.fromkeys([i.variable for i in items] + list(data)))
    wanted = keys if keys is not None else [k for k in order if k not in HIDDEN_KEYS]
    events_by_data = {_fingerprint(e.data.get("form")): e for e in events or []
                      if e.kind == "task_completed"}
    sections = []
    for key in wanted:
        value = data.get(key)
        if value in (None, "", [], {}) or key == "precheck_conditions":
            continue
        item = producers.get(key)
        # Data a script computed has no task form; a form named like the key labels it.
        form = _form_or_none(item.form, item.case) if item else _form_or_none(key, case)
        if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            form = form or _matching_form(forms, value)
            entries = _entries_for_list(value, events_by_data, names or {})
            sections.append(Section(key, form.title_for(lang) if form else key, form, entries))
        elif isinstance(value, Mapping):
            title = form.title_for(lang) if form else key
            sections.append(Section(key, title, form, [Entry(value)]))
    return sections


def element_names_of(case: Case, lang: str = "zh") -> dict[str, str]:
    """Return {BPMN element id: name in `lang`} of the case's process version."""
    names = element_names.of_version(case.process_version)
    return {element: names.of(element, lang) for element in names.zh}


def user_names(usernames: set[str]) -> dict[str, str]:
    """Return {username: display name} of the given users."""
    if not usernames:
        return {}
    rows = db.session.execute(sa.select(User.username, User.name).where(
        User.username.in_(usernames)))
    return {username: name or username for username, name in rows}


def _outcome(event: Event, data: dict, forms_by_task: dict, lang: str) -> str:
    form = forms_by_task.get(event.task_id)
    values = data.get("form") or {}
    if form is None or "decision" not in values:
        return ""
    for spec in form.fields:
        if spec.name == "decision":
            for choice in spec.option("choices") or []:
                if _text(choice, "value", "zh") == values["decision"]:
                    return _text(choice, "label", lang)
    return str(values["decision"])


def _subject(event: Event, data: dict, titles: dict, elements: dict) -> str:
    if event.kind == "task_completed":
        return elements.get(event.task or "") or data.get("title") \
            or titles.get(event.task_id, event.task or "")
    if event.kind in ("claimed", "released"):
        return titles.get(event.task_id, event.task or "")
    if event.kind == "timers_fired":  # named deadlines only: an element id says nothing
        return ", ".join(elements[e] for e in data.get("elements", []) if elements.get(e))
    if event.kind in ("attachment_added", "attachment_deleted"):
        return data.get("name", "")
    if event.kind == "child_started":
        return data.get("child", "")
    if event.kind in ("message_received", "message_ignored"):
        payload = data.get("payload") or {}
        return payload.get("ref", "") if isinstance(payload, Mapping) else ""
    if event.kind == "expert_replaced":
        return _replacement(data)
    if event.kind == "migrated":
        return f"v{data.get('from', '?')} → v{data.get('to', '?')}"
    return ""


def _replacement(data: dict) -> str:
    """Who handed over to whom and why, as far as the reader's copy of the event says."""
    people = [data[k] for k in ("from", "to") if data.get(k)]
    names = user_names(set(people))
    text = " → ".join(names.get(p, p) for p in people)
    text = f"{data.get('task', '')} ({text})" if text else str(data.get("task", ""))
    return f"{text}: {data['reason']}" if data.get("reason") else text


def timeline(case: Case, shown: list[ShownEvent], names: dict, lang: str,
             plain: bool = False) -> list[TimelineEntry]:
    """Return the case's history (as a reader sees it) with actors' names and subjects;
    `plain`: only the procedure's steps (STEP_KINDS), each with a name."""
    items = access.case_items(case)
    titles = {i.id: i.title for i in items}
    forms_by_task = {i.id: _form_or_none(i.form, i.case) for i in items
                     if i.status == "completed"}
    elements = element_names_of(case, lang)
    entries = [TimelineEntry(s.event, names.get(s.event.actor, s.event.actor),
                             _subject(s.event, s.data or {}, titles, elements),
                             _with_loop_backs(_outcome(s.event, s.data or {}, forms_by_task, lang)
                                              if s.event.kind == "task_completed" else "", s.data))
               for s in shown]
    return [e for e in entries if e.event.kind in STEP_KINDS and (
        e.subject or e.event.kind != "timers_fired")] if plain else entries


# What an applicant's history lists: its procedure's steps, not the handling around them.
STEP_KINDS = ("case_started", "task_completed", "timers_fired", "child_started",
              "attachment_added", "attachment_deleted")


def _with_loop_backs(outcome: str, data: dict | None) -> str:
    """The outcome followed by why the step sent the case back (full readers' data has it)."""
    reasons = [str(loop.get("reason") or "") for loop in (data or {}).get("loop_backs") or []]
    return " — ".join(text for text in (outcome, *reasons) if text)


def diagram_state(case: Case, ready: list[WorkItem]) -> dict:
    """Return the diagram markers: completed and current elements, waiting timers with dues."""
    return {"completed": list(case.completed_elements or []),
            "current": list(dict.fromkeys(i.name for i in ready)),
            "waiting": [{"element": w.get("element"), "name": w.get("name"), "due": w.get("due")}
                        for w in case.waiting or []]}


def _title(case: Case, lang: str) -> str:
    return _text(case.process_version, "title", lang)


# The reasons a process records for ending a title or a case (shown to every reader).
END_REASON_KEYS = ("revoked_reason", "expired_reason", "withdrawn_reason", "outcome_reason")


def case_page(user: User, case: Case, lang: str = "zh") -> CasePage:
    """Return everything the case page shows to `user`; raise NotAllowed."""
    view = visibility.view_of(user, case)
    data = visibility.case_data(view)
    shown = visibility.events(view)
    names = user_names({s.event.actor for s in shown} | {"system"})
    ready = visibility.tasks(view, db.session.scalars(sa.select(WorkItem).where(
        WorkItem.case_id == case.id, WorkItem.status == "ready").order_by(WorkItem.created_at)))
    jurisdiction = catalog.jurisdiction(case.jurisdiction)
    children = [c for c in cases.children_of(case) if access.can_see_case(user, c)]
    return CasePage(
        case=case, process_title=_title(case, lang),
        jurisdiction_name=_text(jurisdiction, "name", lang),
        county_name=jurisdiction.county_name(case.county, lang),
        sections=data_sections(case, data, None, lang,
                               [s.event for s in shown], names),
        choices={**catalog.choices_for(case.jurisdiction, lang),
                 **corrections.choices(case, None, lang)},
        attachments=visibility.case_attachments(view),
        timeline=timeline(case, shown, names, lang, user.role == "applicant"), ready=ready,
        workable=[i for i in ready if access.can_work(user, i)],
        parent=db.session.get(Case, case.parent_id) if case.parent_id else None,
        children=children, trend=trend.trend_of(case, children, lang),
        follow_ups=follow_ups.startable_on(user, case), diagram=diagram_state(case, ready),
        precheck=cases.precheck(case, lang) if visibility.shows_precheck(view) else None,
        can_download=True, replaceable=replacement.replaceable(user, ready),
        experts=replacement.expert_choices(case.jurisdiction)
        if user.role == divisions.authority_level(case.jurisdiction) else [],
        end_reason=next((str(data[k]) for k in END_REASON_KEYS if data.get(k)), None),
        milestones=milestones.milestones(case) if user.role == "applicant" else [],
        loop_reasons=loop_reasons.of_case(view),
        corrections=corrections.rounds(view, lang, shown))


def process_title(case: Case, lang: str) -> str:
    """Return the title of the case's procedure in `lang`."""
    return _title(case, lang)



@dataclass
class CaseList:
    cases: list[Case]
    total: int  # counted up to paging.CAP + 1
    page: int
    pages: int
    processes: dict[str, str]
    counties: dict[str, str]
    jurisdictions: dict[str, str]
    after: str | None = None  # cursor of the next page
    before: str | None = None  # cursor of the previous page

    @property
    def pages_label(self) -> str:
        """How many pages, "20+" when the count stopped at its cap."""
        return f"{self.pages}+" if self.total > paging.CAP else str(self.pages)


def _listed(user: User, page: int, after: str | None, before: str | None, clean: dict):
    """Return (cases, after, before): by cursor, or by page number for an older link."""
    if page > 1 and not (after or before):
        query = cases.case_query(user, **clean).options(lazyload(Case.process_version),
                                                        defer(Case.data))
        found = list(db.session.scalars(query.limit(cases.PAGE_SIZE)
                                        .offset((page - 1) * cases.PAGE_SIZE)))
        [order] = cases.NEWEST_FIRST
        full = len(found) == cases.PAGE_SIZE
        return (found, paging.encode(order.tag, order.key(found[-1])) if full else None,
                paging.encode(order.tag, order.key(found[0])) if found else None)
    listed = cases.case_page(user, after=after, before=before, light=True, **clean)
    return listed.rows, listed.after, listed.before


def case_list(user: User, page: int = 1, lang: str = "zh", after: str | None = None,
              before: str | None = None, **filters) -> CaseList:
    """Return one page of the cases `user` may read, with the filter options and a count
    capped at paging.CAP; raise InvalidCursor."""
    clean = {k: v for k, v in filters.items() if v}
    total = paging.capped_count(cases.case_query(user, **clean).with_only_columns(Case.id))
    found, after, before = _listed(user, page, after, before, clean)
    served = _served(user)
    visible = [p for p in catalog.latest_titles() if served is None or p.jurisdiction in served]
    counties, jurisdictions = {}, {}
    for record in _jurisdictions(user):
        jurisdictions[record.key] = _text(record, "name", lang)
        counties.update({c["code"]: record.county_name(c["code"], lang) for c in record.counties})
    pages = max((min(total, paging.CAP) + cases.PAGE_SIZE - 1) // cases.PAGE_SIZE, 1)
    return CaseList(found, total, page, pages,
                    {p.key: _text(p, "title", lang) for p in visible}, counties, jurisdictions,
                    after, before)


def _served(user: User) -> list[str] | None:
    """The jurisdictions whose cases `user` may list (None: all)."""
    return divisions.jurisdictions_of(user) if user.jurisdiction else None


def _jurisdictions(user: User):
    query = sa.select(Jurisdiction).order_by(Jurisdiction.key)
    served = _served(user)
    if served is not None:
        query = query.where(Jurisdiction.key.in_(served))
    return db.session.scalars(query)


@dataclass
class StepResult:
    event: Event | None
    actor: str
    ok: bool
    detail: str


def verification(user: User, case: Case) -> tuple[bool, list[StepResult]]:
    """Return (all ok, per-step results) of re-verifying `case`; raise NotAllowed."""
    if user.role not in ("auditor", "admin"):
        raise NotAllowed(N_("Only auditors can verify a case history."))
    access.require_case(user, case)
    result = audit.verify_case(case)
    events = {e.seq: e for e in audit.case_events(case)}
    names = user_names({e.actor for e in events.values()})
    actor = {seq: names.get(e.actor, e.actor) for seq, e in events.items()}
    steps = [StepResult(events.get(s["seq"]), actor.get(s["seq"], ""),
                        s["ok"], s["detail"]) for s in result["steps"]]
    return result["ok"], steps
