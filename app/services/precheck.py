"""The automatic eligibility check (the jurisdiction's pre-check decision table) of a case."""

from __future__ import annotations

from app.models import Case
from app.services import decision_labels


def summary(case: Case, lang: str = "zh") -> dict | None:
    """Return the pre-check as the API shows it ({"passed", "conditions"}), or None; in
    English, each condition's label and requirement are its rule's English ones where the
    table gives them."""
    conditions = case.data.get("precheck_conditions")
    if not isinstance(conditions, list):
        return None
    if lang == "en":
        version = case.process_version
        conditions = [{**c, **{key: decision_labels.translate(version, c.get(key), lang)
                               for key in ("label", "required")}}
                      if isinstance(c, dict) else c for c in conditions]
    return {"passed": all(bool(c.get("passed")) for c in conditions), "conditions": conditions}


def failed(case: Case) -> bool:
    """Return whether the case's latest pre-check ran and found a condition unmet."""
    found = summary(case)
    return found is not None and not found["passed"]
