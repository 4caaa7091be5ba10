"""meta.yaml `subject` / `subject_name` (docs/PROCESSES.md): what `processes check` refuses, and
the column `base_name` filled from the process's own name path."""

from __future__ import annotations

import shutil

import pytest

from app.config import ROOT
from app.services import catalog, subjects


@pytest.mark.parametrize(("old", "new", "sentence"), [
    ("subject: institution", "subject: school", "subject must be one of base, institution"),
    ("subject_name: application.agency_name", 'subject_name: " "',
     "subject_name must be a dotted path"),
])
def test_processes_check_refuses_an_unknown_subject_or_an_empty_name_path(
        tmp_path, old, new, sentence):
    processes = tmp_path / "processes"
    shutil.copytree(ROOT / "processes" / "hengyang", processes / "hengyang")
    meta = processes / "hengyang" / "meta.yaml"
    meta.write_text(meta.read_text("utf-8").replace(old, new), "utf-8")

    problems = catalog.check_all(processes, ROOT / "forms")

    assert [(p.file, sentence in p.text()) for p in problems] == [(str(meta), True)]
    assert "hengyang_institution_recognition" in problems[0].text()


def test_the_name_path_of_the_process_wins_over_the_jurisdictions():
    fields = {"county": "application.county", "base_name": "application.base_name"}

    assert subjects.case_field_paths(fields, {"subject_name": "application.agency_name"}) == {
        "county": "application.county", "base_name": "application.agency_name"}
    assert subjects.case_field_paths(fields, {}) == fields


@pytest.mark.parametrize(("found", "common"), [
    ([], "base"), (["institution"], "institution"), (["base", "institution", "base"], "mixed")])
def test_a_page_names_its_one_subject_or_says_both(found, common):
    assert subjects.common_subject(found) == common
