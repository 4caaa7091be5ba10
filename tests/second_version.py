"""A second version of the Kunming recognition procedure, loaded from a changed copy of
processes/kunming and forms/: what the version comparison tests compare with version 1.

The changes: the notice period 10 → 15 working days (script of set_public_notice), a new
user task confirm_notice between set_public_notice and notice_split (the direct flow between
them removed), a field notice_channel added to form km_notice, and the precheck row
rule_small_micro_count's threshold 40 → 30.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from app.config import ROOT
from app.services import catalog

KEY = "kunming_recognition"
PARTS = Path(__file__).parent / "data" / "second_version"
OLD_SCRIPT = 'add_working_days(notice["notice_start"], 10, '
NEW_SCRIPT = 'add_working_days(notice["notice_start"], 15, '
FIELD = """  - name: notice_channel
    type: text
    label: 公示渠道
    label_en: Notice channel
    required: true
    max_length: 100
"""


def _part(name: str) -> str:
    return (PARTS / name).read_text("utf-8")


def _replace(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _bpmn(text: str) -> str:
    text = _replace(text, OLD_SCRIPT, NEW_SCRIPT)
    text = _replace(text, "<bpmn:flowNodeRef>set_public_notice</bpmn:flowNodeRef>",
                    "<bpmn:flowNodeRef>set_public_notice</bpmn:flowNodeRef>\n"
                    "        <bpmn:flowNodeRef>confirm_notice</bpmn:flowNodeRef>")
    text = _replace(text, "<bpmn:outgoing>flow_set_public_notice_to_notice_split</bpmn:outgoing>",
                    "<bpmn:outgoing>flow_set_public_notice_to_confirm_notice</bpmn:outgoing>")
    text = _replace(text, "<bpmn:incoming>flow_set_public_notice_to_notice_split</bpmn:incoming>",
                    "<bpmn:incoming>flow_confirm_notice_to_notice_split</bpmn:incoming>")
    gateway = '    <bpmn:parallelGateway id="notice_split"'
    text = _replace(text, gateway, _part("task.xml") + gateway)
    text = _replace(text, _part("old_flow.xml"), _part("flows.xml"))
    return _replace(text, _part("old_edge.xml"), _part("shapes.xml"))


def changed_copy(folder: Path) -> tuple[Path, Path]:
    """Write the changed copy of processes/kunming and forms/ under `folder`; return
    (process dir, form dir)."""
    processes, forms = folder / "processes", folder / "forms"
    shutil.copytree(ROOT / "processes" / "kunming", processes / "kunming")
    shutil.copytree(ROOT / "forms", forms)
    bpmn = processes / "kunming" / "recognition.bpmn"
    bpmn.write_text(_bpmn(bpmn.read_text("utf-8")), "utf-8")
    form = forms / "km_notice.yaml"
    form.write_text(_replace(form.read_text("utf-8"), "  - name: notice_url\n",
                             FIELD + "  - name: notice_url\n"), "utf-8")
    dmn = processes / "kunming" / "precheck.dmn"
    text = _replace(dmn.read_text("utf-8"), '"≥ 40 家"', '"≥ 30 家"')
    dmn.write_text(_replace(text, 'application["small_micro_count"] &gt;= 40',
                            'application["small_micro_count"] &gt;= 30'), "utf-8")
    return processes, forms


def load_second_version(folder: Path) -> None:
    """Publish version 2 of the Kunming recognition procedure from the changed copy."""
    catalog.load_all(*changed_copy(folder))
