"""The evidence a review task opens with: the experts' score table and the earlier decisions.

Both are read from the events the reader may see (visibility.events), so an expert finds
only their own score and an applicant no expert at all; the ranking within the call's
batch comes from call_reports.ranking, which only the officials running the review read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.errors import NotAllowed
from app.models import Case, User, WorkItem
from app.services import call_reports, calls, case_view, catalog
from app.services.visibility import ShownEvent


@dataclass(frozen=True)
class ScoreRow:
    expert: str
    score: float | None
    recommend: bool | None
    opinion: str


@dataclass
class ScoreTable:
    rows: list[ScoreRow]
    rank: int | None = None  # this case's place in its call's batch, best average first
    ranked: int = 0  # how many cases of the batch are scored
    others: list = field(default_factory=list)  # [(ref, base name, average)] of the batch

    @property
    def average(self) -> float | None:
        scores = [r.score for r in self.rows if r.score is not None]
        return round(sum(scores) / len(scores), 2) if scores else None


def _number(value) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _opinion(form, values: dict, lang: str) -> str:
    """The expert's written fields, each under its label when there are several."""
    texts = [(f.label_for(lang), str(values[f.name])) for f in form.fields
             if f.type == "textarea" and values.get(f.name)]
    if len(texts) == 1:
        return texts[0][1]
    return "\n".join(f"{label}：{text}" for label, text in texts)


def _rows(case: Case, shown: list[ShownEvent], items: dict[str, WorkItem], rank: dict,
          names: dict, lang: str) -> list[ScoreRow]:
    latest: dict[str, ScoreRow] = {}
    for s in shown:  # a later round of one expert replaces their earlier one
        if s.event.kind != "task_completed" or s.event.task != rank["task"]:
            continue
        values = (s.data or {}).get("form") or {}
        item = items.get(s.event.task_id)
        form = catalog.case_form(case, item.form) if item and item.form else None
        latest[s.event.actor] = ScoreRow(
            names.get(s.event.actor, s.event.actor), _number(values.get(rank.get("score",
                                                                                  "score"))),
            values.get("recommend") if isinstance(values.get("recommend"), bool) else None,
            _opinion(form, values, lang) if form else "")
    return list(latest.values())


def _ranking(user: User, case: Case, table: ScoreTable) -> None:
    if case.call_id is None:
        return
    try:
        ranked = call_reports.ranking(user, calls.get_call(case.call_id))
    except NotAllowed:
        return
    table.ranked = len(ranked)
    table.rank = next((n for n, row in enumerate(ranked, 1) if row.case.id == case.id), None)
    table.others = [(row.case.ref, row.case.base_name or "", row.average) for row in ranked]


def score_table(user: User, case: Case, shown: list[ShownEvent], items: list[WorkItem],
                lang: str = "zh") -> ScoreTable | None:
    """Return the experts' scores of `case` as `user` may read them, or None when none."""
    rank = calls.settings(case.process_version).get("rank") or {}
    if not rank.get("task"):
        return None
    names = case_view.user_names({s.event.actor for s in shown})
    rows = _rows(case, shown, {i.id: i for i in items}, rank, names, lang)
    if not rows:
        return None
    table = ScoreTable(rows)
    _ranking(user, case, table)
    return table


@dataclass(frozen=True)
class Decision:
    step: str
    who: str
    at: object
    outcome: str  # the decision's label (and why a loop-back followed)
    reason: str


REASON_FIELDS = ("decision_reason", "review_opinion", "opinion", "summary", "assessment")


def previous_decisions(case: Case, shown: list[ShownEvent], lang: str = "zh") -> list[Decision]:
    """Return the decided steps of `case` as the reader sees them, oldest first."""
    names = case_view.user_names({s.event.actor for s in shown})
    found = []
    for s, line in zip(shown, case_view.timeline(case, shown, names, lang), strict=True):
        values = (s.data or {}).get("form") or {}
        if s.event.kind != "task_completed" or "decision" not in values or not line.outcome:
            continue
        reason = next((str(values[k]) for k in REASON_FIELDS if values.get(k)), "")
        found.append(Decision(line.subject, line.actor, s.event.at, line.outcome, reason))
    return found
