"""Drafts and four-eyes publishing (services/designs.py): a draft keeps its author and note,
a second designer of the jurisdiction approves it, publishing makes it the version new cases
start on while running cases stay on theirs; a draft with problems is saved but never
published; `processes load` does not undo a version published from the browser."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.config import ROOT, TestConfig
from app.errors import Conflict, NotAllowed, Rejected
from app.extensions import db
from app.models import Case, FormVersion, ProcessVersion
from app.services import cases, catalog, demo, designs
from app.services.design_files import Folders
from tests.processes.driver import at, find_user

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
