"""The automatic eligibility check (the jurisdiction's pre-check decision table) of a case."""

from __future__ import annotations

from app.models import Case


def summary(case: Case) -> dict | None:
    """Return the pre-check as the API shows it ({"passed", "conditions"}), or None."""
    conditions = case.data.get("precheck_conditions")
    if not isinstance(conditions, list):
        return None
    return {"passed": all(bool(c.get("passed")) for c in conditions), "conditions": conditions}


def failed(case: Case) -> bool:
    """Return whether the case's latest pre-check ran and found a condition unmet."""
    found = summary(case)
    return found is not None and not found["passed"]
