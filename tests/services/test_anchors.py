"""Signed anchors of every case's chain head, kept outside the database, catch rewrites,
cut tails and deleted cases that a recomputed hash chain alone would hide."""

from __future__ import annotations

import base64
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization

from app.config import ROOT
from app.extensions import db
from app.models import Case, Event
from app.services import anchors, audit
from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver

APPLICANT, COUNTY, CITY = "km_applicant", "km_county_wuhua", "km_city"


def make_case(api) -> CaseDriver:
    case = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
    case.start()
    case.complete(APPLICANT, "submit_application", km.APPLICATION, "2026-03-02T09:00")
    case.complete(COUNTY, "county_review", km.COUNTY_RETURN, "2026-03-10T09:00")
    return case


@pytest.fixture
def two(api) -> tuple[CaseDriver, CaseDriver]:
    return make_case(api), make_case(api)


def cli(api, *args):
    return api.app.test_cli_runner().invoke(args=["audit", *args])


def paths(api) -> tuple[Path, Path]:
    config = api.app.config
    return Path(config["AUDIT_ANCHOR_LOG"]), Path(config["AUDIT_SIGNING_KEY"])


def events_of(case_id: int) -> list[Event]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Event).where(Event.case_id == case_id)
                                   .order_by(Event.seq)))


def ref_of(case: CaseDriver) -> str:
    return case.case()["ref"]


def test_anchor_then_verify_is_ok_and_the_log_line_is_signed_and_chained(two):
    api = two[0].api
    first = cli(api, "anchor")
    second = cli(api, "anchor")

    assert first.exit_code == 0 and second.exit_code == 0, first.output
    log_path, key_path = paths(api)
    lines = log_path.read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    assert len(entries) == 2 and entries[0]["cases"] == 2
    assert entries[0]["prev"] == anchors.GENESIS
    assert entries[1]["prev"] == anchors._sha(lines[0])
    assert {leaf["ref"] for leaf in entries[0]["leaves"]} == {ref_of(c) for c in two}
    assert f"root={entries[1]['root']}" in second.output
    assert f"key={entries[1]['key']}" in second.output
    result = cli(api, "verify", "--all")
    assert result.exit_code == 0, result.output
    assert result.output.count("\tok") == 2


def test_a_chain_rewritten_with_recomputed_hashes_is_named(two):
    api, victim = two[0].api, two[1]
    cli(api, "anchor")
    ref = ref_of(victim)
    events = events_of(victim.id)
    events[1].actor = "someone_else"  # not replayed: only the anchor can tell
    prev = events[0].hash
    for event in events[1:]:
        event.prev_hash, event.hash = prev, audit.chain_hash(prev, ref, event)
        prev = event.hash
    db.session.commit()
    assert audit.verify_case(db.session.get(Case, victim.id))["ok"] is True

    result = cli(api, "verify", "--all")

    assert result.exit_code == 1
    assert f"{ref}\tMISMATCH" in result.output and "rewritten" in result.output
    assert f"{ref_of(two[0])}\tok" in result.output


def test_a_cut_tail_with_a_moved_head_is_named(two):
    api, victim = two[0].api, two[1]
    cli(api, "anchor")
    events = events_of(victim.id)
    case = db.session.get(Case, victim.id)
    case.state_hash = events[-2].state_hash  # the case row now agrees with the shorter chain
    db.session.delete(events[-1])
    db.session.commit()

    result = cli(api, "verify", ref_of(victim))

    assert result.exit_code == 1
    assert f"{ref_of(victim)}\tMISMATCH" in result.output
    assert f"anchored at #{events[-1].seq}" in result.output and "removed" in result.output


def test_a_deleted_case_is_named(two):
    api, victim = two[0].api, two[1]
    cli(api, "anchor")
    ref = ref_of(victim)
    for table in reversed(db.metadata.sorted_tables):  # everything that points at the case
        if "case_id" in table.c:
            db.session.execute(sa.delete(table).where(table.c.case_id == victim.id))
    db.session.execute(sa.delete(Case).where(Case.id == victim.id))
    db.session.commit()

    everything, single = cli(api, "verify", "--all"), cli(api, "verify", ref)

    assert everything.exit_code == 1 and f"{ref}\tDELETED" in everything.output
    assert f"{ref_of(two[0])}\tok" in everything.output
    assert single.exit_code == 1 and f"{ref}\tDELETED" in single.output


def test_a_tampered_anchor_line_is_named(two):
    api = two[0].api
    cli(api, "anchor")
    cli(api, "anchor")
    log_path, _ = paths(api)
    lines = log_path.read_text().splitlines()
    entry = json.loads(lines[0])
    entry["leaves"][0]["seq"] += 5
    entry["root"] = anchors.merkle_root([anchors.leaf(h["ref"], h["seq"], h["head"])
                                         for h in entry["leaves"]])
    log_path.write_text(json.dumps(entry) + "\n" + lines[1] + "\n")

    result = cli(api, "verify", ref_of(two[1]))

    assert result.exit_code == 1
    assert "line 1: signature does not verify" in result.output
    assert "line 2: chain broken" in result.output


def test_the_signing_key_is_made_private_once_and_reused(api):
    log_path, key_path = paths(api)
    first = cli(api, "anchor")
    pem = key_path.read_bytes()
    second = cli(api, "anchor")

    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert key_path.read_bytes() == pem
    public = anchors.public_path(key_path).read_text()
    assert public.startswith("-----BEGIN PUBLIC KEY-----") and public.strip() in first.output
    keys = {json.loads(line)["key"] for line in log_path.read_text().splitlines()}
    assert len(keys) == 1 and keys.pop() in second.output


def test_a_third_party_recomputes_the_root_and_checks_the_signature(two):
    api = two[0].api
    cli(api, "anchor")
    log_path, key_path = paths(api)
    entry = json.loads(log_path.read_text().splitlines()[-1])
    public = serialization.load_pem_public_key(anchors.public_path(key_path).read_bytes())
    fields = {k: v for k, v in entry.items() if k != "signature"}

    public.verify(base64.b64decode(entry["signature"]), anchors.canonical(fields))
    assert anchors.merkle_root([anchors.leaf(h["ref"], h["seq"], h["head"])
                                for h in entry["leaves"]]) == entry["root"]


def guide_script(tmp_path: Path) -> Path:
    guide = (ROOT / "docs" / "OPERATIONS.md").read_text(encoding="utf-8")
    section = guide[guide.index("## Anchored history"):]
    script = tmp_path / "check.py"
    script.write_text(section.split("```python\n")[1].split("```")[0])
    return script


def test_the_script_in_the_operations_guide_checks_the_last_anchor(two, tmp_path):
    api = two[0].api
    cli(api, "anchor")
    log_path, key_path = paths(api)
    script = guide_script(tmp_path)
    args = [sys.executable, str(script), str(log_path), str(anchors.public_path(key_path))]

    good = subprocess.run(args, capture_output=True, text=True, check=False)
    entry = json.loads(log_path.read_text())
    entry["leaves"][0]["seq"] += 1
    log_path.write_text(json.dumps(entry) + "\n")
    bad = subprocess.run(args, capture_output=True, text=True, check=False)

    assert good.returncode == 0 and good.stdout.strip().endswith("ok"), good.stderr
    assert bad.returncode != 0 and "root differs" in bad.stderr


def test_the_merkle_root_pairs_sorted_leaves_and_carries_the_odd_one_up():
    a, b, c = (anchors._sha(x) for x in "abc")
    ordered = sorted([a, b, c])

    root = anchors.merkle_root([c, a, b])

    assert root == anchors._sha(anchors._sha(ordered[0] + ordered[1]) + ordered[2])
    assert anchors.merkle_root([]) == anchors._sha("")


def test_the_anchors_api_answers_auditors_and_refuses_applicants(two):
    api = two[0].api
    cli(api, "anchor")

    answer = api.get("km_auditor", "/api/audit/anchors")
    refused = api.get(APPLICANT, "/api/audit/anchors", expect=403)

    assert len(answer) == 1 and answer[0]["cases"] == 2
    assert {leaf["ref"] for leaf in answer[0]["leaves"]} == {ref_of(c) for c in two}
    assert "error" in refused


def rewrite(case: CaseDriver, actor: str = "someone_else") -> None:
    """Edit an event that replay does not read and recompute every later hash, as an insider."""
    ref, events = ref_of(case), events_of(case.id)
    events[1].actor = actor
    prev = events[0].hash
    for event in events[1:]:
        event.prev_hash, event.hash = prev, audit.chain_hash(prev, ref, event)
        prev = event.hash
    db.session.commit()


def test_a_rewrite_anchored_again_is_caught_by_the_earlier_anchor(two):
    api, victim = two[0].api, two[1]
    cli(api, "anchor")
    rewrite(victim)
    cli(api, "anchor")  # the latest anchor now agrees with the rewritten chain
    last_seq = events_of(victim.id)[-1].seq

    result = cli(api, "verify", "--all")

    assert result.exit_code == 1
    assert f"{ref_of(victim)}\tMISMATCH" in result.output
    assert (f"anchor: event #{last_seq} no longer hashes to the head anchored on" in result.output
            and "(anchor 1): the history was rewritten" in result.output)
    assert f"{ref_of(two[0])}\tok" in result.output


def test_a_case_that_grew_between_anchors_matches_every_anchor(two):
    api, growing = two[0].api, two[0]
    cli(api, "anchor")
    growing.complete(APPLICANT, "correct_application", km.APPLICATION, "2026-03-12T09:00")
    cli(api, "anchor")
    log = anchors.read_log(*paths(api))

    result = cli(api, "verify", "--all")

    assert result.exit_code == 0, result.output
    assert len(log.cases[ref_of(growing)]["points"]) == 2  # two heads, each still reached
    assert len(log.cases[ref_of(two[1])]["points"]) == 1  # unchanged: recorded once
    assert log.cases[ref_of(two[1])]["latest"]["line"] == 2


def test_the_problem_names_the_anchor_its_time_and_root(two):
    api, victim = two[0].api, two[1]
    cli(api, "anchor")
    rewrite(victim)
    log = anchors.read_log(*paths(api))
    entry = json.loads(paths(api)[0].read_text().splitlines()[0])

    problem = anchors.case_problem(log.cases[ref_of(victim)], events_of(victim.id))

    assert problem["kind"] == "rewritten" and problem["line"] == 1
    assert problem["at"] == entry["at"] and problem["root"] == entry["root"]
    assert problem["seq"] == events_of(victim.id)[-1].seq


def test_a_new_signing_key_keeps_the_old_lines_checkable(two):
    api = two[0].api
    cli(api, "anchor")
    log_path, key_path = paths(api)
    old_public = anchors.public_path(key_path).read_text()
    key_path.unlink()  # lost, e.g. restored from a backup, which holds no private key

    cli(api, "anchor")

    assert anchors.retired_path(key_path).read_text() == old_public
    assert len(anchors.keyring(key_path)) == 2
    assert anchors.read_log(log_path, key_path).problems == []
    anchors.retired_path(key_path).unlink()
    assert anchors.read_log(log_path, key_path).problems == [
        f"{log_path.name} line 1: signed by a key whose public key is not on hand "
        f"({json.loads(log_path.read_text().splitlines()[0])['key'][:16]}…)"]


def test_the_guide_script_checks_a_log_signed_by_two_keys_and_its_chain(two, tmp_path):
    api = two[0].api
    cli(api, "anchor")
    log_path, key_path = paths(api)
    key_path.unlink()
    cli(api, "anchor")
    script = guide_script(tmp_path)
    both = [sys.executable, str(script), str(log_path), str(anchors.public_path(key_path)),
            str(anchors.retired_path(key_path))]

    good = subprocess.run(both, capture_output=True, text=True, check=False)
    lines = log_path.read_text().splitlines()
    log_path.write_text(lines[1] + "\n")  # the first anchor removed
    cut = subprocess.run(both, capture_output=True, text=True, check=False)

    assert good.returncode == 0 and good.stdout.strip().endswith("ok"), good.stderr
    assert cut.returncode != 0 and "chain broken" in cut.stderr
