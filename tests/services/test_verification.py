"""Verification as the pages and the API run it: one case against every anchor, and a
jurisdiction a chunk at a time (POST /api/audit/verify), journaled once per chunk."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import AccessEntry, Case
from app.services import anchors, verify_all
from tests.processes.driver import CaseDriver
from tests.services.test_anchors import cli, events_of, make_case, paths, ref_of, rewrite

AUDITOR = "km_auditor"


def chunk(api, body, username=AUDITOR, expect=200):
    return api.post(username, "/api/audit/verify", body, expect=expect)


def delete_case(case_id: int) -> None:
    for table in reversed(db.metadata.sorted_tables):  # everything that points at the case
        if "case_id" in table.c:
            db.session.execute(sa.delete(table).where(table.c.case_id == case_id))
    db.session.execute(sa.delete(Case).where(Case.id == case_id))
    db.session.commit()


def test_the_case_verify_api_names_the_anchor_that_covers_it(api):
    case = make_case(api)
    before = api.post(AUDITOR, f"/api/cases/{case.id}/verify")
    cli(api, "anchor")

    after = api.post(AUDITOR, f"/api/cases/{case.id}/verify")

    assert before["ok"] is True and before["anchor"] is None and before["anchored"] is None
    assert after["ok"] is True and after["anchor"] is None
    assert after["anchored"]["line"] == 1 and len(after["anchored"]["root"]) == 64
    assert [step["ok"] for step in after["steps"]] == [True] * len(events_of(case.id))


def test_the_case_verify_api_fails_a_rewrite_that_only_the_anchors_show(api):
    case = make_case(api)
    cli(api, "anchor")
    rewrite(case)
    cli(api, "anchor")  # anchored again after the rewrite: only anchor 1 still tells

    answer = api.post(AUDITOR, f"/api/cases/{case.id}/verify")

    assert all(step["ok"] for step in answer["steps"])  # the chain itself is consistent
    assert answer["ok"] is False
    assert answer["anchor"]["kind"] == "rewritten" and answer["anchor"]["line"] == 1
    assert answer["anchor"]["seq"] == events_of(case.id)[-1].seq
    assert answer["anchored"]["line"] == 2


def test_a_jurisdiction_is_verified_chunk_by_chunk_with_progress(api):
    cases = [make_case(api) for _ in range(3)]
    shanxi = CaseDriver(api, "shanxi_recognition", "sx_applicant", "sx_city")
    shanxi.start()

    first = chunk(api, {"jurisdiction": "kunming", "after": None, "limit": 2})
    second = chunk(api, {"jurisdiction": "kunming", "after": first["next"], "limit": 2})

    assert [r["ref"] for r in first["results"]] == [ref_of(c) for c in cases[:2]]
    assert first["next"] == cases[1].id and first["total"] == 3 and first["done"] == 2
    assert [r["ref"] for r in second["results"]] == [ref_of(cases[2])]
    assert second["next"] is None and second["done"] == 3 and second["problems"] == []
    result = second["results"][0]
    assert result == {"case_id": cases[2].id, "ref": ref_of(cases[2]), "ok": True,
                      "events": len(events_of(cases[2].id)), "first_failure": None,
                      "anchor": None}
    assert set(first["by_kind"]) == set(verify_all.KINDS)
    assert sum(first["by_kind"].values()) == 0


def test_a_failing_case_names_its_first_failure_and_kind(api):
    good, bad = make_case(api), make_case(api)
    db.session.execute(sa.text("UPDATE event SET actor = 'x' WHERE case_id = :id AND seq = 2"),
                       {"id": bad.id})
    db.session.commit()

    answer = chunk(api, {"jurisdiction": "kunming", "after": None})

    by_ref = {r["ref"]: r for r in answer["results"]}
    assert by_ref[ref_of(good)]["ok"] is True
    assert by_ref[ref_of(bad)]["ok"] is False
    assert by_ref[ref_of(bad)]["first_failure"] == {
        "seq": 2, "detail": "hash chain broken: an event was edited or deleted",
        "kind": "hash chain broken"}
    assert answer["by_kind"]["hash chain broken"] == 1


def test_deleted_anchored_cases_and_log_problems_come_in_the_last_chunk(api):
    kept, gone, last_kept = make_case(api), make_case(api), make_case(api)
    shanxi = CaseDriver(api, "shanxi_recognition", "sx_applicant", "sx_city")
    shanxi.start()
    cli(api, "anchor")
    gone_ref = ref_of(gone)
    delete_case(gone.id)
    delete_case(shanxi.id)  # another jurisdiction's: not this run's to report

    first = chunk(api, {"jurisdiction": "kunming", "after": None, "limit": 1})
    last = chunk(api, {"jurisdiction": "kunming", "after": first["next"], "limit": 1})

    assert first["next"] == kept.id and first["problems"] == []
    assert last["next"] is None and [r["ref"] for r in last["results"]] == [ref_of(last_kept)]
    assert [(p["kind"], p["ref"], p["line"]) for p in last["problems"]] == [
        ("case deleted", gone_ref, 1)]
    assert "but the case is gone" in last["problems"][0]["detail"]
    assert last["by_kind"]["case deleted"] == 1


def test_each_chunk_is_journaled_once_without_a_case(api):
    cases = [make_case(api) for _ in range(3)]

    chunk(api, {"jurisdiction": "kunming", "after": None, "limit": 2})
    chunk(api, {"jurisdiction": "kunming", "after": cases[1].id, "limit": 2})

    entries = db.session.scalars(sa.select(AccessEntry).order_by(AccessEntry.id)).all()
    assert [(e.username, e.action, e.case_id, e.detail) for e in entries] == [
        (AUDITOR, "verify", None, f"jurisdiction kunming, cases {ref_of(cases[0])}–"
                                  f"{ref_of(cases[1])}"),
        (AUDITOR, "verify", None, f"jurisdiction kunming, cases {ref_of(cases[2])}–"
                                  f"{ref_of(cases[2])}")]


def test_only_auditors_of_the_jurisdiction_and_admins_run_it(api):
    make_case(api)

    other = chunk(api, {"jurisdiction": "kunming"}, username="sx_auditor", expect=403)
    official = chunk(api, {"jurisdiction": "kunming"}, username="km_city", expect=403)
    admin = chunk(api, {"jurisdiction": "kunming"}, username="admin")

    assert other["error"] == "您只能核验本辖区的案卷。"
    assert official["error"] == "只有审计人员和系统管理员可以核验整个辖区。"
    assert len(admin["results"]) == 1
    assert db.session.scalar(sa.select(sa.func.count(AccessEntry.id))) == 1


def test_bad_requests_are_refused_with_the_field_named(api):
    answers = [chunk(api, body, expect=expect) for body, expect in (
        ({"jurisdiction": ""}, 422), ({"jurisdiction": 5}, 422),
        ({"jurisdiction": "kunming", "after": "x"}, 422),
        ({"jurisdiction": "kunming", "limit": 0}, 422),
        ({"jurisdiction": "kunming", "limit": 101}, 422),
        ({"jurisdiction": "atlantis"}, 404))]

    assert [sorted(a.get("errors", {})) for a in answers[:5]] == [
        ["jurisdiction"], ["jurisdiction"], ["after"], ["limit"], ["limit"]]
    assert "atlantis" in answers[5]["error"]
    assert db.session.scalar(sa.select(sa.func.count(AccessEntry.id))) == 0


def test_a_missing_public_key_fails_the_case_verification_without_naming_server_paths(api):
    case = make_case(api)
    cli(api, "anchor")
    key_path = paths(api)[1]
    anchors.public_path(key_path).unlink()

    answer = api.post(AUDITOR, f"/api/cases/{case.id}/verify")

    assert answer["ok"] is False and answer["anchor"]["kind"] == "anchor log tampered"
    assert answer["anchor"]["detail"] == ("audit-signing-key.pem.pub: the public key to check "
                                          "the anchors is missing")
