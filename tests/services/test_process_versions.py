"""A process version pins exactly the files it uses: its BPMN, the DMN its business rule tasks
call, and the form versions of its user tasks. Changing one of them versions only the
processes that use it; a running case keeps the forms its version pinned."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.config import ROOT
from app.extensions import db
from app.models import ProcessVersion, WorkItem
from app.services import cases, catalog, tasks
from tests.processes.driver import app_on_copies, find_user

DATA = ROOT / "tests/data"
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _app(template_database, tmp_path: Path, processes: Path, forms: Path):
    app = app_on_copies(template_database(processes, forms), tmp_path, processes, forms)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def repo_app(template_database, tmp_path):
    """The product on a copy of the repository's processes/ and forms/, loaded once."""
    yield from _app(template_database, tmp_path, ROOT / "processes", ROOT / "forms")


@pytest.fixture
def mini_copy(template_database, tmp_path):
    """The product on a copy of the small test procedure, loaded once, demo users too."""
    yield from _app(template_database, tmp_path, DATA / "processes", DATA / "forms")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def republished(app) -> set[str]:
    """Load processes/ and forms/ again; return the keys that got a new process version."""
    catalog.load_all(app.config["PROCESS_DIR"], app.config["FORM_DIR"])
    return set(db.session.scalars(sa.select(ProcessVersion.key).where(ProcessVersion.version > 1)))


def test_loading_unchanged_files_again_publishes_nothing(repo_app):
    counts = catalog.load_all(repo_app.config["PROCESS_DIR"], repo_app.config["FORM_DIR"])

    assert counts == {"processes": 0, "forms": 0}


def test_a_version_holds_only_the_decision_tables_its_process_calls(repo_app):
    recognition = catalog.latest_process("kunming_recognition")
    revocation = catalog.latest_process("kunming_revocation")

    assert list(recognition.dmn) == ["precheck.dmn"]
    assert revocation.dmn == {}
    assert recognition.forms["km_county_review"] == 1


def test_editing_one_decision_table_republishes_only_the_processes_calling_it(repo_app):
    table = Path(repo_app.config["PROCESS_DIR"]) / "kunming/precheck.dmn"
    edit(table, "&gt;= 40</text>", "&gt;= 41</text>")

    assert republished(repo_app) == {"kunming_recognition", "kunming_rereview"}


def test_editing_one_form_republishes_only_the_processes_using_it(repo_app):
    form = Path(repo_app.config["FORM_DIR"]) / "km_expert_decision.yaml"
    edit(form, "label: 是否列入推荐认定名单", "label: 是否列入推荐名单")

    assert republished(repo_app) == {"kunming_recognition", "kunming_rereview"}
    assert catalog.latest_process("kunming_recognition").forms["km_expert_decision"] == 2
    assert catalog.latest_process("kunming_recognition").forms["km_county_review"] == 1


def test_a_running_case_keeps_the_form_version_its_process_version_pinned(mini_copy):
    applicant = find_user("tl_applicant")
    running = cases.start_case(applicant, "mini_recognition", NOW)
    form = Path(mini_copy.config["FORM_DIR"]) / "mini_application.yaml"
    edit(form, "label: 基地名称,", "label: 基地全称,")

    assert republished(mini_copy) == {"mini_recognition"}
    later = cases.start_case(applicant, "mini_recognition", NOW)

    def label(case) -> str:
        item = db.session.scalars(sa.select(WorkItem).where(
            WorkItem.case_id == case.id, WorkItem.status == "ready")).one()
        return tasks.form_for(item)[0].field("base_name").label
    assert label(running) == "基地名称"
    assert label(later) == "基地全称"


def test_the_filters_titles_are_those_of_each_processs_latest_version(repo_app):
    form = Path(repo_app.config["FORM_DIR"]) / "km_expert_decision.yaml"
    edit(form, "label: 是否列入推荐认定名单", "label: 是否列入推荐名单")
    republished(repo_app)
    old = db.session.scalars(sa.select(ProcessVersion).where(
        ProcessVersion.key == "kunming_recognition", ProcessVersion.version == 1)).one()
    old.title = "旧版本的名称"
    db.session.commit()

    titles = catalog.latest_titles()

    assert [tuple(row) for row in titles] == [
        (v.key, v.jurisdiction, v.title, v.title_en) for v in catalog.latest_processes()]
    assert len({row.key for row in titles}) == len(titles)
    assert "旧版本的名称" not in {row.title for row in titles}
    assert "kunming_recognition" in {row.key for row in titles}
