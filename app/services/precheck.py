"""The automatic eligibility check (the jurisdiction's pre-check decision table) of a case."""

from __future__ import annotations

from app.models import Case
from app.services import decision_labels


def summary(case: Case, lang: str = "zh") -> dict | None:
    """Return the pre-check as the API shows it ({"passed", "conditions"}), or None; in
    English, each condition's label is its rule's English label where the table gives one."""
    conditions = case.data.get("precheck_conditions")
    if not isinstance(conditions, list):
        return None
    if lang == "en":
        conditions = [{**c, "label": decision_labels.translate(case.process_version,
                                                               c.get("label"), lang)}
                      if isinstance(c, dict) else c for c in conditions]
    return {"passed": all(bool(c.get("passed")) for c in conditions), "conditions": conditions}


def failed(case: Case) -> bool:
    """Return whether the case's latest pre-check ran and found a condition unmet."""
    found = summary(case)
    return found is not None and not found["passed"]
