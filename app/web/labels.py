"""Display names of roles, statuses and history events, marked for translation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.services import subjects

ROLES = {
    "applicant": _l("Applicant"), "county": _l("County authority"), "city": _l("City authority"),
    "province": _l("Provincial authority"),
    "expert": _l("Expert"), "auditor": _l("Auditor"), "designer": _l("Process designer"),
    "admin": _l("Administrator"),
}

STATUSES = {
    "draft": _l("Draft"), "in_review": _l("In review"), "public_notice": _l("Public notice"),
    "recognized": _l("Recognized"), "rejected": _l("Not recognized"),
    "withdrawn": _l("Withdrawn"), "expired": _l("Expired"), "revoked": _l("Revoked"),
}

# A follow-up case (annual summary, change filing, evaluation…) holds no title of its own.
FOLLOW_UP_STATUSES = {"recognized": _l("Done (accepted)"), "rejected": _l("Done (not accepted)")}

STATUS_TONES = {
    "draft": "neutral", "in_review": "info", "public_notice": "warning",
    "recognized": "success", "rejected": "danger", "withdrawn": "neutral",
    "expired": "neutral", "revoked": "danger",
}

EVENT_KINDS = {
    "case_started": _l("Case opened"), "task_completed": _l("Step completed"),
    "timers_fired": _l("Deadline reached"), "message_received": _l("Message received"),
    "message_ignored": _l("Message recorded"), "child_started": _l("Follow-up case opened"),
    "claimed": _l("Task claimed"), "released": _l("Task released"),
    "attachment_added": _l("Attachment uploaded"),
    "migrated": _l("Moved to a new procedure version"),
    "expert_replaced": _l("Expert replaced"),
    "attachment_deleted": _l("Attachment deleted"),
}

WORK_STATUSES = {
    "ready": _l("To do"), "completed": _l("Done"), "cancelled": _l("Cancelled"),
}

DUE_FILTERS = {"overdue": _l("Overdue"), "soon": _l("Due within 3 working days"),
               "none": _l("No deadline")}

SORTS = {"due": _l("Due date"), "created": _l("Newest first"), "case": _l("Case number")}

VERIFY_DETAILS = {
    "match": _l("Matches the recorded state"),
    "hash chain broken: an event was edited or deleted":
        _l("Hash chain broken: an event was edited or deleted"),
    "replayed state differs from the recorded one":
        _l("The replayed state differs from the recorded one"),
    "the case has no events": _l("The case has no events"),
}


# verify_all.KINDS, in the words of the jurisdiction verification page.
VERIFY_KINDS = {
    "hash chain broken": _l("Hash chain broken"), "sequence gap": _l("Sequence gap"),
    "replay mismatch": _l("Replayed state differs"), "replay failed": _l("Replay failed"),
    "tail cut": _l("Events removed at the end"), "anchor problem": _l("Differs from an anchor"),
    "case deleted": _l("Anchored case deleted"), "anchor log tampered": _l("Anchor log tampered"),
}


def verify_detail(detail: str) -> str:
    """Return the translated text of a verification result line."""
    if detail in VERIFY_DETAILS:
        return str(VERIFY_DETAILS[detail])
    if detail.startswith("sequence gap"):
        return str(_l("Sequence gap: an event is missing"))
    if detail.startswith("replay failed"):
        return str(_l("Replay failed: the recorded step could not be re-executed"))
    return detail

# What a procedure recognises (meta.yaml `subject`), in the words of its own notice: a list
# mixing both says both.
SUBJECT_WORDS = {
    "noun": {"base": _l("Base"), "institution": _l("Institution"),
             "mixed": _l("Base / institution")},
    "name": {"base": _l("Base name"), "institution": _l("Institution name"),
             "mixed": _l("Base / institution name")},
    "unnamed": {"base": _l("(base name not yet given)"),
                "institution": _l("(institution name not yet given)"),
                "mixed": _l("(name not yet given)")},
    "search": {"base": _l("Case number or base name"),
               "institution": _l("Case number or institution name"),
               "mixed": _l("Case number or base / institution name")},
}


def subject_word(kind: str, items) -> str:
    """Return the word `kind` (noun, name, unnamed, search) for what a page shows: one subject
    ("base"), one case, or an iterable of either."""
    if isinstance(items, str) or hasattr(items, "subject"):
        items = [items]
    common = subjects.common_subject(getattr(item, "subject", item) for item in items)
    return str(SUBJECT_WORDS[kind].get(common, SUBJECT_WORDS[kind]["base"]))

# What a journaled read was (app/services/access_log.py ACTIONS).
ACCESS_ACTIONS = {
    "case": _l("Opened the case"), "history": _l("Stepped through the history"),
    "events": _l("Read the events"), "attachment": _l("Downloaded an attachment"),
    "dossier": _l("Downloaded the dossier"), "verify": _l("Verified the history"),
    "search": _l("Listed or searched cases"), "export": _l("Exported a table"),
    "certificate": _l("Downloaded the certificate"),
}

# The outcome a `verify` entry records, as people read it.
ACCESS_DETAILS = {"ok": _l("history intact"), "failed": _l("history does not verify")}
