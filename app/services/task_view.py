"""A work item as the task page shows it: its form, what to pre-fill, the earlier data beside it."""

from __future__ import annotations

from dataclasses import dataclass

from app.models import Attachment, Case, User, WorkItem
from app.services import access, audit, case_view, cases, catalog, tasks


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


def task_page(user: User, item: WorkItem, lang: str = "zh") -> TaskPage:
    """Return the task page of `item` for `user` (who may see its case)."""
    case = item.case
    if not access.can_work(user, item):
        access.require_case(user, case)
    form, choices = tasks.form_for(item, lang)
    current = item.draft if item.draft is not None else case.data.get(item.variable)
    events = audit.case_events(case)
    names = case_view.user_names({e.actor for e in events})
    data = cases.visible_data(user, case)
    wants_precheck = "precheck_conditions" in form.show_data and user.role != "applicant"
    return TaskPage(
        item=item, case=case, form=form, choices=choices,
        initial=current if isinstance(current, dict) and item.status == "ready" else {},
        from_draft=item.draft is not None, can_work=access.can_work(user, item)
        and item.status == "ready",
        sections=case_view.data_sections(case, data, list(form.show_data), lang, events, names),
        precheck=cases.precheck(case) if wants_precheck else None,
        attachments=case_view.attachments_of([c.id for c in case_view.chain(case)]),
        process_title=case_view.process_title(case, lang),
        county_name=catalog.jurisdiction(case.jurisdiction).county_name(case.county, lang))
