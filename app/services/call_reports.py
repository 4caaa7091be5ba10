"""What a call produces: the counties' recommendation summary table (推荐汇总表), the
experts' ranking of the batch (择优) and the public notice list of its bases.

The table's title, lines and columns are the seed's, declared per process in meta.yaml
(`summary_table:`, docs/PROCESSES.md): the product only fills them in.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from app import formdefs
from app.errors import N_, NotAllowed
from app.extensions import db
from app.models import Call, Case, Event, User, WorkItem
from app.services import access, calls, catalog
from app.services.registry_export import safe_cell

SPECIAL = {"seq", "ref", "county_name", "subject_name"}
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_.]*)\}")


# --- cases of a call -------------------------------------------------------------------------

def _cases(call: Call, user: User | None = None) -> list[Case]:
    query = sa.select(Case).where(Case.call_id == call.id)
    if user is not None:
        query = query.where(access.visible_cases(user))
    return list(db.session.scalars(query.order_by(Case.county, Case.ref)))


def _recommended(case: Case, task: str) -> bool:
    item = db.session.scalars(sa.select(WorkItem).where(
        WorkItem.case_id == case.id, WorkItem.name == task, WorkItem.status == "completed")
        .order_by(WorkItem.completed_at.desc()).limit(1)).first()
    if item is None:
        return False
    answer = case.data.get(item.variable)
    return not isinstance(answer, Mapping) or answer.get("decision", "approve") == "approve"


def recommended_cases(user: User, call: Call) -> list[Case]:
    """Return the cases of `call` that `user` may read and its county has recommended."""
    task = calls.settings(catalog.latest_process(call.process_key)).get("recommend_task")
    return [case for case in _cases(call, user) if task and _recommended(case, task)]


# --- the recommendation summary table --------------------------------------------------------

def table_spec(call: Call) -> dict:
    """Return the process's meta.yaml `summary_table:` (an empty mapping if undeclared)."""
    return dict((catalog.latest_process(call.process_key).options or {})
                .get("summary_table") or {})


def _filled(case: Case, template: str) -> str:
    """Return `template` with each {dotted.path} replaced by that case value ("" if none)."""
    def value(match: re.Match) -> str:
        found = formdefs.lookup(case.data, match[1])
        return "" if found is None else str(found)
    return PLACEHOLDER.sub(value, template)


def _number(value):
    try:
        number = decimal.Decimal(str(value))
    except (decimal.InvalidOperation, ValueError):
        return value
    return int(number) if number == number.to_integral_value() else float(number)


def _cell(case: Case, column: Mapping, seq: int, county_name: str):
    if column.get("template"):
        return _filled(case, str(column["template"]))
    path = str(column.get("field", ""))
    value = {"seq": seq, "ref": case.ref, "county_name": county_name,
             "subject_name": case.base_name}.get(path) if path in SPECIAL \
        else formdefs.lookup(case.data, path)
    mapping = column.get("values") or {}
    key = str(value).lower() if isinstance(value, bool) else str(value)
    if key in mapping:
        return mapping[key]
    if column.get("type") == "number":  # decimals are kept as text in case data
        return _number(value)
    if isinstance(value, list):  # a multiple choice: each value in the table's words
        return str(column.get("join", "、")).join(str(mapping.get(str(v), v)) for v in value)
    return value


def summary_rows(user: User, call: Call, lang: str = "zh") -> list[list]:
    """Return the table's body rows (one per recommended case, in the seed's column order)."""
    columns = table_spec(call).get("columns") or []
    jurisdiction = catalog.jurisdiction(call.jurisdiction)
    return [[_cell(case, column, seq, jurisdiction.county_name(case.county, lang))
             for column in columns]
            for seq, case in enumerate(recommended_cases(user, call), start=1)]


def _sheet_value(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return safe_cell(value)


def summary_xlsx(user: User, call: Call, unit: str, lang: str = "zh") -> bytes:
    """Return the recommendation summary table of `call` as XLSX: title, the seed's lines
    above and below ({unit} is the recommending office), headers in the seed's order."""
    spec = table_spec(call)
    headers = [str(column.get("header", "")) for column in spec.get("columns") or []]
    book = Workbook()
    sheet = book.active
    sheet.title = (spec.get("sheet") or "summary")[:31]
    sheet.append([safe_cell(spec.get("title") or call.title)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(headers), 1))
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([safe_cell(str(spec.get("above", "")).replace("{unit}", unit))])
    sheet.append([safe_cell(h) for h in headers])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in summary_rows(user, call, lang):
        sheet.append([_sheet_value(value) for value in row])
    if spec.get("below"):
        sheet.append([])
        sheet.append([safe_cell(str(spec["below"]).replace("{unit}", unit))])
    for index in range(1, len(headers) + 1):
        sheet.column_dimensions[sheet.cell(row=3, column=index).column_letter].width = 16
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- the ranking of the batch (择优) ----------------------------------------------------------

@dataclass
class Ranked:
    case: Case
    scores: dict[str, float] = field(default_factory=dict)  # expert's name -> score

    @property
    def average(self) -> float | None:
        values = list(self.scores.values())
        return round(sum(values) / len(values), 2) if values else None


def require_ranking_reader(user: User, call: Call) -> None:
    """Raise NotAllowed unless `user` is an official of the procedure's top level."""
    version = catalog.latest_process(call.process_key)
    if user.role != calls.top_level(version) or user.jurisdiction != call.jurisdiction:
        raise NotAllowed(N_("Only the officials who run the expert review see the ranking."))


def _scores(case: Case, task: str, score: str) -> dict[str, float]:
    events = db.session.scalars(sa.select(Event).where(
        Event.case_id == case.id, Event.kind == "task_completed", Event.task == task)
        .order_by(Event.seq))
    found: dict[str, float] = {}
    for event in events:  # a later round of one expert replaces their earlier score
        value = ((event.data or {}).get("form") or {}).get(score)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            found[event.actor] = value
    return found


def ranking(user: User, call: Call) -> list[Ranked]:
    """Return the call's scored cases, best average first; raise NotAllowed."""
    require_ranking_reader(user, call)
    rank = calls.settings(catalog.latest_process(call.process_key)).get("rank") or {}
    if not rank.get("task"):
        return []
    names = dict(db.session.execute(sa.select(User.username, User.name)).all())
    rows = []
    for case in _cases(call, user):
        scores = _scores(case, rank["task"], rank.get("score", "score"))
        if scores:
            rows.append(Ranked(case, {names.get(k) or k: v for k, v in scores.items()}))
    return sorted(rows, key=lambda row: (-(row.average or 0), row.case.ref))


# --- the public notice list --------------------------------------------------------------------

def _day(value) -> str | None:
    return str(value)[:10] if value else None


def notice_list(call: Call, now: dt.datetime, lang: str = "zh") -> list[dict]:
    """Return the bases of `call` in or past public notice, as the public may read them."""
    notice = calls.settings(catalog.latest_process(call.process_key)).get("notice") or {}
    if not notice.get("task"):
        return []
    jurisdiction = catalog.jurisdiction(call.jurisdiction)
    today = calls.today(now).isoformat()
    rows = []
    for case in _cases(call):
        if notice["task"] not in (case.completed_elements or []):
            continue
        start = _day(formdefs.lookup(case.data, notice.get("start", "")))
        end = _day(formdefs.lookup(case.data, notice.get("end", "")))
        rows.append({"subject_name": case.base_name, "subject": case.subject,
                     "operator_name": formdefs.lookup(
                         case.data, notice.get("operator", "application.operator_name")),
                     "county": case.county,
                     "county_name": jurisdiction.county_name(case.county, lang),
                     "notice_start": start, "notice_end": end,
                     "in_notice": bool(end and today <= end)})
    return rows


def notice_json(call: Call, now: dt.datetime, lang: str = "zh") -> dict:
    """Return the public notice list of `call` as the JSON variants show it."""
    return {"call": {"id": call.id, "title": call.title, "year": call.year},
            "bases": notice_list(call, now, lang)}
