"""Drafts and four-eyes publishing (services/designs.py): a draft keeps its author and note,
a second designer of the jurisdiction approves it, publishing makes it the version new cases
start on while running cases stay on theirs; a draft with problems is saved but never
published; `processes load` does not undo a version published from the browser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.config import ROOT
from app.errors import Conflict, NotAllowed, Rejected
from app.extensions import db
from app.models import FormVersion, ProcessVersion
from app.services import cases, catalog, design_files, designs
from app.services.design_files import Folders
from tests.processes.driver import app_on_copies, at, find_user

KEY = "kunming_recognition"
BPMN = "recognition.bpmn"
NOTICE_10 = 'add_working_days(notice["notice_start"], 10,'
NOTICE_15 = 'add_working_days(notice["notice_start"], 15,'
NOW = at("2026-03-02T09:00")


@pytest.fixture
def folders(loaded_app) -> Folders:
    return Folders(Path(loaded_app.config["PROCESS_DIR"]), Path(loaded_app.config["FORM_DIR"]))


def fifteen_days(designer="km_designer") -> dict[str, str]:
    text = designs.files(find_user(designer), KEY, catalog.latest_process(KEY).version)[BPMN]
    assert NOTICE_10 in text
    return {BPMN: text.replace(NOTICE_10, NOTICE_15)}


def draft(files, folders, note="notice period 15 working days", designer="km_designer"):
    return designs.create_draft(find_user(designer), KEY, files, note, folders=folders, now=NOW)


def test_a_published_draft_is_what_new_cases_start_on_and_running_cases_stay(folders):
    before = cases.start_case(find_user("km_applicant"), KEY, NOW)
    old = before.process_version.version
    number, problems = draft(fifteen_days(), folders)

    designs.approve(find_user("km_designer2"), KEY, number, now=NOW)
    designs.publish(find_user("km_designer"), KEY, number, folders=folders, now=NOW)

    after = cases.start_case(find_user("km_applicant"), KEY, NOW)
    assert problems == []
    assert (before.process_version.version, after.process_version.version) == (old, number)
    assert NOTICE_15 in after.process_version.bpmn
    rows = {r["version"]: r for r in designs.versions(find_user("km_auditor"), KEY)}
    assert rows[number]["status"] == "published" and rows[old]["status"] == "retired"
    assert (rows[number]["author"], rows[number]["approver"]) == ("km_designer", "km_designer2")
    assert rows[old]["running_cases"] == 1 and rows[number]["running_cases"] == 1


def test_the_author_cannot_approve_their_own_draft(folders):
    number, _ = draft(fifteen_days(), folders)

    with pytest.raises(NotAllowed, match="own draft"):
        designs.approve(find_user("km_designer"), KEY, number, now=NOW)
    assert designs.version_record(find_user("km_designer"), KEY, number).approver is None


@pytest.mark.parametrize("username", ["lc_designer", "km_auditor", "km_city"])
def test_only_designers_and_admins_of_the_jurisdiction_approve(folders, username):
    number, _ = draft(fifteen_days(), folders)

    with pytest.raises(NotAllowed):
        designs.approve(find_user(username), KEY, number, now=NOW)


def test_an_administrator_may_approve_and_another_jurisdictions_designer_may_not_draft(folders):
    number, _ = draft(fifteen_days(), folders)
    designs.approve(find_user("admin"), KEY, number, now=NOW)

    with pytest.raises(NotAllowed):
        draft(fifteen_days(), folders, designer="lc_designer")
    assert designs.version_record(find_user("km_auditor"), KEY, number).approver == "admin"


def test_a_draft_is_not_published_before_a_second_person_approves_it(folders):
    number, _ = draft(fifteen_days(), folders)

    with pytest.raises(designs.Unpublishable, match="approve"):
        designs.publish(find_user("km_designer"), KEY, number, folders=folders, now=NOW)
    assert designs.version_record(find_user("km_designer"), KEY, number).status == "draft"


def broken(files: dict[str, str]) -> dict[str, str]:
    text = files[BPMN]
    text = text.replace(">notice_ends_at</bpmn:timeDate>", ">notice ends</bpmn:timeDate>", 1)
    text = text.replace('name="formId" value="km_notice"', 'name="formId" value="km_no_such"', 1)
    return {BPMN: text}


def test_a_broken_draft_is_saved_with_its_problems_and_never_published(folders):
    number, problems = draft(broken(fifteen_days()), folders, note="broken")
    designs.approve(find_user("km_designer2"), KEY, number, now=NOW)

    with pytest.raises(designs.Unpublishable) as refused:
        designs.publish(find_user("km_designer"), KEY, number, folders=folders, now=NOW)

    by_element = {p["element"]: p for p in problems}
    assert {"notice_period_ends", "publish_notice"} <= set(by_element), problems
    assert all(p["file"] == BPMN and p["line"] > 0 for p in by_element.values())
    assert "km_no_such" in by_element["publish_notice"]["message"]
    assert refused.value.problems == problems
    assert designs.version_record(find_user("km_designer"), KEY, number).status == "draft"
    assert catalog.latest_process(KEY).version == number - 1


def test_a_draft_made_before_another_publication_conflicts(folders):
    first, _ = draft(fifteen_days(), folders)
    second, _ = draft(fifteen_days(), folders, note="the same again")
    for number in (first, second):
        designs.approve(find_user("km_designer2"), KEY, number, now=NOW)
    designs.publish(find_user("km_designer"), KEY, first, folders=folders, now=NOW)

    with pytest.raises(Conflict):
        designs.publish(find_user("km_designer"), KEY, second, folders=folders, now=NOW)
    assert catalog.latest_process(KEY).version == first


@pytest.mark.parametrize(("files", "named"), [
    ({"meta.yaml": "key: kunming\n"}, "processes load"),
    ({"rereview.bpmn": "<x/>"}, "not the diagram of this process"),
    ({"../secrets.txt": "x"}, "not a file a process version holds"),
    ({"forms/km_notice.yaml": 7}, "must be text"),
    ({"forms/km_notice.yaml": "a\x00b"}, "must be text"),
    ({"precheck.dmn": "x" * 1_000_001}, "longer than"),
    ({"forms/km_evaluation.yaml": "key: km_evaluation\n"}, "No user task of this process"),
])
def test_files_outside_the_process_or_not_text_are_refused_and_nothing_saved(
        folders, files, named):
    count = db.session.scalar(sa.select(sa.func.count()).select_from(ProcessVersion))

    with pytest.raises(Rejected) as refused:
        draft(files, folders)

    assert named in str(refused.value) + str(refused.value.by_field())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProcessVersion)) == count


def test_files_posted_back_unchanged_make_a_draft_without_problems_or_form_changes(folders):
    designer = find_user("km_designer")
    published = designs.files(designer, KEY, catalog.latest_process(KEY).version)

    number, problems = draft(published, folders, note="no change")

    record = designs.version_record(designer, KEY, number)
    assert problems == [] and record.draft_forms == {}
    assert {BPMN, "precheck.dmn", "forms/km_notice.yaml"} <= set(published)
    assert designs.files(designer, KEY, number) == published


def test_changing_a_form_versions_the_other_processes_of_the_jurisdiction_using_it(folders):
    designer = find_user("km_designer")
    form = designs.files(designer, KEY, catalog.latest_process(KEY).version)[
        "forms/km_expert_decision.yaml"]
    changed = form.replace("label: 是否列入推荐认定名单", "label: 是否列入推荐名单")
    rereview = catalog.latest_process("kunming_rereview").version
    number, problems = draft({"forms/km_expert_decision.yaml": changed}, folders)
    designs.approve(find_user("km_designer2"), KEY, number, now=NOW)

    designs.publish(designer, KEY, number, folders=folders, now=NOW)

    newest = db.session.scalars(sa.select(FormVersion).where(
        FormVersion.key == "km_expert_decision").order_by(FormVersion.version.desc())).first()
    other = catalog.latest_process("kunming_rereview")
    assert (newest.source, newest.origin) == (changed, "browser")
    assert catalog.latest_process(KEY).forms["km_expert_decision"] == newest.version
    assert other.version == rereview + 1 and other.forms["km_expert_decision"] == newest.version
    assert (other.author, other.approver, other.base_version) == (
        "km_designer", "km_designer2", rereview)
    assert "km_expert_decision" in other.note and other.spec
    assert problems == []


def test_processes_load_keeps_a_version_published_from_the_browser(folders):
    number, _ = draft(fifteen_days(), folders)
    designs.approve(find_user("km_designer2"), KEY, number, now=NOW)
    designs.publish(find_user("km_designer"), KEY, number, folders=folders, now=NOW)

    counts = catalog.load_all(folders.processes, folders.forms)

    assert counts == {"processes": 0, "forms": 0}
    assert catalog.latest_process(KEY).version == number


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def copied(template_db, tmp_path):
    """The product on a copy of processes/ and forms/ (files a test may change), loaded."""
    app = app_on_copies(template_db, tmp_path, ROOT / "processes", ROOT / "forms")
    with app.app_context():
        yield Folders(tmp_path / "processes", tmp_path / "forms")
        db.session.remove()
        db.engine.dispose()


def test_changed_files_are_published_after_a_browser_version_with_the_next_number(copied):
    number, _ = draft(fifteen_days(), copied)
    designs.approve(find_user("km_designer2"), KEY, number, now=NOW)
    designs.publish(find_user("km_designer"), KEY, number, folders=copied, now=NOW)
    edit(copied.processes / "kunming" / BPMN, NOTICE_10,
         'add_working_days(notice["notice_start"], 12,')

    counts = catalog.load_all(copied.processes, copied.forms)

    latest = catalog.latest_process(KEY)
    assert counts["processes"] == 1
    assert (latest.version, latest.origin, latest.file) == (number + 1, "files", BPMN)
    assert "notice_start\"], 12," in latest.bpmn
    assert designs.version_record(find_user("km_designer"), KEY, number).status == "retired"


def test_a_form_published_from_the_browser_is_not_undone_by_processes_load(copied):
    form_file = "forms/km_expert_decision.yaml"
    source = (copied.forms / "km_expert_decision.yaml").read_text(encoding="utf-8")
    changed = source.replace("是否列入推荐认定名单", "是否列入推荐名单")
    number, _ = draft({form_file: changed}, copied)
    designs.approve(find_user("km_designer2"), KEY, number, now=NOW)
    designs.publish(find_user("km_designer"), KEY, number, folders=copied, now=NOW)

    counts = catalog.load_all(copied.processes, copied.forms)

    assert counts == {"processes": 0, "forms": 0}
    latest = catalog.latest_process(KEY)
    assert latest.version == number
    assert "是否列入推荐名单" in designs.files(find_user("km_auditor"), KEY, number)[form_file]
    assert "是否列入推荐名单" in design_files.form_source(
        "km_expert_decision", latest.forms["km_expert_decision"])


def test_approving_and_publishing_are_logged_with_who_did_them(folders, capsys):
    number, _ = draft(fifteen_days(), folders)
    designs.approve(find_user("km_designer2"), KEY, number, now=NOW)
    designs.publish(find_user("admin"), KEY, number, folders=folders, now=NOW)

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()
             if '"event"' in line]

    assert [(e["event"], e["version"]) for e in lines] == [
        ("draft_saved", number), ("draft_approved", number), ("version_published", number)]
    assert (lines[1]["approver"], lines[2]["by"], lines[2]["author"]) == (
        "km_designer2", "admin", "km_designer")


def test_a_form_other_jurisdictions_use_too_is_changed_only_in_the_files(folders):
    other = catalog.latest_process("liaocheng_recognition")
    other.forms = {**other.forms, "km_notice": 1}  # as if Liaocheng's diagram used it
    db.session.commit()
    source = designs.files(find_user("km_designer"), KEY, catalog.latest_process(KEY).version)[
        "forms/km_notice.yaml"]

    with pytest.raises(Rejected) as refused:
        draft({"forms/km_notice.yaml": source + "\n# changed\n"}, folders)

    assert "other jurisdictions" in str(refused.value.by_field())
