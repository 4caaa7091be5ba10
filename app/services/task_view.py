"""A work item as the task page shows it: its form, what to pre-fill, the earlier data beside it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app.models import Attachment, Case, User, WorkItem
from app.services import (
    access,
    audit,
    case_view,
    cases,
    catalog,
    corrections,
    evidence,
    loop_reasons,
    prefill,
    tasks,
    visibility,
)


@dataclass
class TaskPage:
    item: WorkItem
    case: Case
    form: object
    choices: dict
    initial: dict
    from_draft: bool
    can_work: bool
    sections: list[case_view.Section]
    precheck: dict | None
    attachments: dict[str, Attachment]
    process_title: str
    county_name: str
    loop_reason: loop_reasons.LoopReason | None = None  # why this task was reopened
    scores: evidence.ScoreTable | None = None  # the experts' scores, for the decisions after
    decisions: list[evidence.Decision] = field(default_factory=list)  # earlier decided steps
    notice: corrections.Notice | None = None  # 补正告知: what a return asks to correct
    comparison: corrections.Round | None = None  # a review again: what the applicant changed


def task_page(user: User, item: WorkItem, lang: str = "zh",
              now: dt.datetime | None = None) -> TaskPage:
    """Return the task page of `item` for `user` (who may see its case)."""
    case = item.case
    if not access.can_work(user, item):
        access.require_case(user, case)
    view = visibility.view_of(user, case)
    # The case's work items and events are read once here and handed to every part below.
    items, events = access.case_items(case), audit.case_events(case)
    form, choices = tasks.form_for(item, lang, items)
    if "correctable" not in choices:  # to label the items a return marked, in the case data
        choices = {**choices, **corrections.choices(case, None, lang, items)}
    current = tasks.current_values(view, item)
    visible = visibility.events(view, events)
    shown = [s.event for s in visible]
    names = case_view.user_names({e.actor for e in shown})
    found = corrections.rounds(view, lang, visible, items) if item.status == "ready" else []
    wants_precheck = "precheck_conditions" in form.show_data and visibility.shows_precheck(view)
    return TaskPage(
        item=item, case=case, form=form, choices=choices,
        initial=prefill.prefilled(form, user, current) if item.status == "ready" else {},
        from_draft=item.draft is not None, can_work=access.can_work(user, item)
        and item.status == "ready",
        sections=case_view.data_sections(case, visibility.case_data(view), list(form.show_data),
                                         lang, shown, names),
        precheck=cases.precheck(case, lang) if wants_precheck else None,
        attachments=visibility.case_attachments(view),
        process_title=case_view.process_title(case, lang),
        county_name=catalog.jurisdiction(case.jurisdiction).county_name(case.county, lang),
        loop_reason=loop_reasons.of_item(view, item, events),
        scores=evidence.score_table(user, case, visible, items, lang)
        if item.lane != "expert" else None,
        decisions=evidence.previous_decisions(case, visible, lang),
        notice=corrections.notice(found, item, now) if now else None,
        comparison=corrections.comparison(found, item, form))
