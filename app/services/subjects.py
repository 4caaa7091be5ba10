"""What a procedure recognises: a base (the default) or a service institution.

A process entry in meta.yaml may say `subject: institution` and `subject_name: <dotted
path>`; the case's `base_name` column (kept under that name) then mirrors that path, and
lists, case pages, the registry and its exports use the subject's own words. A case reads its
subject as `Case.subject` (from its process version's options).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

SUBJECTS = ("base", "institution")
DEFAULT = "base"


def case_field_paths(case_fields: Mapping | None, options: Mapping | None) -> dict:
    """Return the dotted paths of the case columns: the jurisdiction's `case_fields`, with
    the process's `subject_name` (when set) as the path of `base_name`."""
    paths = dict(case_fields or {})
    if (options or {}).get("subject_name"):
        paths["base_name"] = options["subject_name"]
    return paths


def common_subject(subjects: Iterable[str]) -> str:
    """Return the one subject of `subjects`, "mixed" when they differ, the default when none."""
    found = set(subjects)
    if len(found) > 1:
        return "mixed"
    return found.pop() if found else DEFAULT


def problems(entry: Mapping) -> list[str]:
    """Return what is wrong with a process entry's subject options (empty when valid)."""
    found = []
    if "subject" in entry and entry["subject"] not in SUBJECTS:
        found.append(f"subject must be one of {', '.join(SUBJECTS)}")
    if "subject_name" in entry and not (isinstance(entry["subject_name"], str)
                                        and entry["subject_name"].strip()):
        found.append("subject_name must be a dotted path such as application.agency_name")
    return found
