"""Helpers of the web tests: form encoding, uploads, valid answers for the Kunming forms."""

from __future__ import annotations

import re

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import Case, User, WorkItem
from tests.processes import examples_kunming as km

PDF = b"%PDF-1.4\n% test document\n"


def credit_code(base17: str) -> str:
    """Return `base17` with its GB 32100 check digit appended."""
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(chars.index(c) * w for c, w in zip(base17, weights, strict=True))
    return base17 + chars[(31 - total % 31) % 31]


def _encode(name: str, value, out: MultiDict) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        if value:
            out.add(name, "y")
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        for index, row in enumerate(value):
            for column, cell in row.items():
                _encode(f"{name}-{index}-{column}", cell, out)
    elif isinstance(value, list):
        for item in value:
            out.add(name, str(item))
    else:
        out.add(name, str(value))


def to_form(data: dict, **extra) -> MultiDict:
    """Return case-data style values as the fields a browser posts for the generated form."""
    out = MultiDict()
    for name, value in data.items():
        _encode(name, value, out)
    for name, value in extra.items():
        out.add(name, str(value))
    return out


def ready_item(case_id: int, name: str | None = None) -> WorkItem:
    """Return the (first) ready work item of a case, optionally by task name."""
    query = sa.select(WorkItem).where(WorkItem.case_id == case_id, WorkItem.status == "ready")
    if name:
        query = query.where(WorkItem.name == name)
    db.session.expire_all()
    return db.session.scalars(query.order_by(WorkItem.created_at)).first()


def case(case_id: int) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case_id)


def upload(client, case_id: int, name: str = "report.pdf", content: bytes = PDF):
    """Upload a file through the web endpoint; return the response."""
    return client.post(f"/cases/{case_id}/attachments",
                       data={"file": (__import__("io").BytesIO(content), name)},
                       content_type="multipart/form-data")


def text(response) -> str:
    """Return the visible text of an HTML response (tags removed, spaces collapsed)."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def application(attachment_id: str, county: str = "wuhua") -> dict:
    """Return a complete, valid Kunming application (km_application) with uploads in place."""
    return {key: [attachment_id] if value == km.F else value
            for key, value in {**km.APPLICATION, "county": county}.items()}


COUNTY_APPROVE = {"materials_complete": True, "assessment": "逐项测评，符合条件。",
                  "decision": "approve"}
COUNTY_RETURN = {"assessment": "审计报告缺页。", "decision": "return",
                 "decision_reason": "请补充上一年度财务审计报告全文。",
                 "corrections": [{"item": "audit_report", "note": "上传审计报告全文。"}]}


# ---------------------------------------------------------------- moving a case on (services)

def user(username: str):
    return db.session.scalars(sa.select(User).where(User.username == username)).one()


def complete(case_id: int, name: str, username: str, data: dict, now, assignee=None):
    """Complete the ready task `name` of a case through the service layer."""
    from app.services import tasks
    query = sa.select(WorkItem).where(WorkItem.case_id == case_id, WorkItem.status == "ready",
                                      WorkItem.name == name)
    if assignee:
        query = query.where(WorkItem.assignee == assignee)
    item = db.session.scalars(query).first()
    assert item is not None, f"{name} is not ready"
    return tasks.complete_task(user(username), item.id, data, now)


def stored_file(case_id: int, username: str, now) -> str:
    from flask import current_app

    from app.services import attachments
    record = attachments.store_attachment(user(username), case(case_id), "table.pdf", PDF,
                                          current_app.config["UPLOAD_DIR"], 1 << 20, now)
    return record.id


def submitted(now) -> int:
    """Start a Kunming case and submit its application; return its id (the county review waits)."""
    from app.services import cases
    case_id = cases.start_case(user("km_applicant"), "kunming_recognition", now).id
    complete(case_id, "submit_application", "km_applicant",
             application(stored_file(case_id, "km_applicant", now)), now)
    return case_id


def to_expert_review(case_id: int, now) -> None:
    """Move a submitted Kunming case through the county to the three expert reviews."""
    complete(case_id, "county_review", "km_county_wuhua", COUNTY_APPROVE, now)
    sample = [{"enterprise_name": f"企业{i}", "satisfaction": "satisfied"} for i in range(5)]
    complete(case_id, "site_inspection", "km_county_wuhua", {
        "inspection_date": "2026-04-10", "inspectors": "张丽", "satisfaction_sample": sample,
        "site_findings": "与申报一致。", "meets_conditions": True,
        "recommendation_opinion": "同意推荐。", "decision": "approve",
        "recommendation_summary_table": [stored_file(case_id, "km_county_wuhua", now)]}, now)
    complete(case_id, "assign_experts", "km_city",
             {"experts": ["km_expert1", "km_expert2", "km_expert3"]}, now)


def to_public_notice(case_id: int, now) -> None:
    """Move a submitted Kunming case on to the public notice starting 2026-09-28."""
    to_expert_review(case_id, now)
    for index, expert in enumerate(["km_expert1", "km_expert2", "km_expert3"]):
        complete(case_id, "expert_review", expert,
                 {"score": 80 + index, "opinion": "示范作用明显。", "recommend": True}, now,
                 assignee=expert)
    complete(case_id, "expert_decision", "km_city",
             {"summary": "一致建议推荐。", "decision": "approve"}, now)
    complete(case_id, "site_verification", "km_city", {
        "verification_date": "2026-09-10", "verifiers": "王芳", "findings": "属实。",
        "decision": "approve"}, now)
    complete(case_id, "publish_notice", "km_city", {
        "notice_start": "2026-09-28", "notice_url": "https://gxj.km.gov.cn/notice/1"}, now)


def listed(response, ref: str) -> bool:
    """Return whether a table row of the page shows case `ref`."""
    return f'data-case-ref="{ref}"' in response.get_data(as_text=True)
