"""Verification as the pages and the API run it: one case with its anchors, or the cases of a
jurisdiction a chunk at a time (the browser drives the chunks and shows the progress).

The checks themselves are audit.verify_case, verify_all.verify_one and anchors.case_problem,
the same as `audit verify`; this module chooses the cases, permits and journals.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from app.errors import N_, NotAllowed
from app.extensions import db
from app.models import Case, Jurisdiction, User
from app.services import access, access_log, anchors, audit, catalog, verify_all

RUNNERS = ("auditor", "admin")
CHUNK = 50  # cases a request verifies unless asked otherwise
MAX_CHUNK = 100  # about 25 s of replay at today's speed: well inside the web timeout


def case_anchor(case: Case, log_path: Path, key_path: Path) -> dict:
    """Return {"problem", "anchored"} of `case` against every anchor (anchors.case_anchor)."""
    return anchors.case_anchor(case.ref, audit.case_events(case),
                               anchors.load(log_path, key_path))


def verify_case(case: Case, log_path: Path, key_path: Path) -> dict:
    """Return audit.verify_case's result plus "anchor" (the anchor problem or None) and
    "anchored" (the last anchor covering the case or None); "ok" is false on an anchor problem."""
    result = audit.verify_case(case)
    status = case_anchor(case, log_path, key_path)
    return {**result, "ok": result["ok"] and status["problem"] is None,
            "anchor": status["problem"], "anchored": status["anchored"]}


def jurisdictions(user: User) -> list[Jurisdiction]:
    """Return the jurisdictions `user` may verify as a whole; raise NotAllowed."""
    _require_runner(user)
    query = sa.select(Jurisdiction).order_by(Jurisdiction.key)
    if user.jurisdiction is not None:
        query = query.where(Jurisdiction.key == user.jurisdiction)
    return list(db.session.scalars(query))


def _require_runner(user: User) -> None:
    if user.role not in RUNNERS:
        raise NotAllowed(N_("Only auditors and administrators verify a jurisdiction."))


def _require_jurisdiction(user: User, key: str) -> Jurisdiction:
    _require_runner(user)
    jurisdiction = catalog.jurisdiction(key)
    if user.jurisdiction is not None and user.jurisdiction != key:
        raise NotAllowed(N_("You may verify only the cases of your own jurisdiction."))
    return jurisdiction


def run_chunk(user: User, key: str, after: int | None, limit: int, log_path: Path,
              key_path: Path) -> dict:
    """Verify the next `limit` cases of jurisdiction `key` after case id `after`; return
    {"results", "next", "total", "done", "by_kind", "problems"} (problems: deleted anchored
    cases and anchor log problems, in the last chunk). Raise NotAllowed, NotFound."""
    jurisdiction = _require_jurisdiction(user, key)
    scope = sa.and_(Case.jurisdiction == key, access.visible_cases(user))
    rows = [tuple(row) for row in db.session.execute(
        sa.select(Case.id, Case.ref).where(scope, Case.id > (after or 0))
        .order_by(Case.id).limit(limit + 1))]
    more, rows = len(rows) > limit, rows[:limit]
    log, summary = anchors.load(log_path, key_path), verify_all.Summary()
    ids = dict((ref, case_id) for case_id, ref in rows)
    results = []
    for result in verify_all.verify_chunk(rows, log.cases):
        summary.add(result)
        results.append(_result_json(ids[result["ref"]], result))
    problems = [] if more else _last_problems(jurisdiction, log, summary)
    last = rows[-1][0] if rows else after
    access_log.record(user, "verify", detail=f"jurisdiction {key}, cases "
                      + (f"{rows[0][1]}–{rows[-1][1]}" if rows else "none"), jurisdiction=key)
    return {"results": results, "next": last if more else None,
            "total": _count(scope), "done": _count(scope, Case.id <= (last or 0)),
            "by_kind": summary.by_kind, "problems": problems}


def _count(*where) -> int:
    return db.session.scalar(sa.select(sa.func.count(Case.id)).where(*where))


def _result_json(case_id: int, result: dict) -> dict:
    first = result["steps"][0] if result["steps"] else None
    return {"case_id": case_id, "ref": result["ref"], "ok": result["ok"],
            "events": result["events"], "anchor": result["anchor"],
            "first_failure": first and {"seq": first["seq"], "detail": first["detail"],
                                        "kind": verify_all.kind_of(first["detail"])}}


def _last_problems(jurisdiction: Jurisdiction, log: anchors.AnchorLog,
                   summary: verify_all.Summary) -> list[dict]:
    """Deleted anchored cases of the jurisdiction (by their case number's prefix) and what is
    wrong with the anchor log, each also counted in `summary`."""
    mine = {ref: a for ref, a in log.cases.items()
            if ref.startswith(f"{jurisdiction.ref_prefix}-")}
    problems = [anchors.deleted_problem(ref, mine[ref])
                for ref in anchors.missing_cases(mine, anchors.all_refs())]
    problems += [{"kind": "anchor log tampered", "ref": None, "seq": None, "line": None,
                  "at": None, "root": None, "detail": problem} for problem in log.problems]
    for problem in problems:
        summary.add_problem(problem["kind"], problem["ref"] or "anchor log", problem["detail"])
    return problems
