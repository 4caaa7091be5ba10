"""A `list` field on the task page: a textarea with one item per line, errors on the field,
and the stored list shown item by item on the case page (Hengyang's related credit codes)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from tests.processes import examples_hengyang as hy
from tests.web import support
from tests.web.support import text

CODES = "related_credit_codes"


@pytest.fixture
def hengyang_case(client, login_as) -> int:
    """Return the id of a Hengyang base case hy_applicant opened on its start page."""
    login_as("hy_applicant")
    response = client.post("/applicant/start", data={"process": "hengyang_base_recognition"})
    assert response.status_code == 302
    item = db.session.scalars(sa.select(support.WorkItem).order_by(
        support.WorkItem.created_at.desc())).first()
    return item.case_id


def textarea(html: str, name: str) -> str:
    """Return the <textarea name=...>…</textarea> element ("" when there is none)."""
    found = re.search(rf'<textarea\b[^>]*\bname="{name}"[^>]*>.*?</textarea>', html, re.S)
    return found[0] if found else ""


def application(client, case_id: int, codes: str) -> dict:
    attachment = support.upload(client, case_id).get_json()["id"]
    data = {key: [attachment] if value == hy.F else value
            for key, value in hy.BASE_APPLICATION.items()}
    return support.to_form({**data, CODES: codes},
                           lock_version=support.case(case_id).lock_version)


def test_the_task_page_shows_a_list_field_as_a_textarea_with_one_item_per_line(
        client, hengyang_case):
    html = client.get(f"/tasks/{support.ready_item(hengyang_case).id}").get_data(as_text=True)

    field = textarea(html, CODES)
    assert 'rows="5"' in field and f"{CODES}-lines" in field
    assert "关联主体的统一社会信用代码（每行一个）" in html
    assert "每行填写一项，空行将被忽略。 至多 100 项。" in html


def test_two_lines_posted_are_stored_as_a_list_of_two_and_shown_on_the_case_page(
        client, hengyang_case):
    url = f"/tasks/{support.ready_item(hengyang_case).id}"

    typed = f"{hy.RELATED_CREDIT_CODE.lower()}\r\n\r\n{hy.OTHER_CREDIT_CODE}\r\n"

    response = client.post(url, data=application(client, hengyang_case, typed))

    assert response.status_code == 302, text(response)[:2000]
    stored = support.case(hengyang_case).data["application"][CODES]
    assert stored == [hy.RELATED_CREDIT_CODE, hy.OTHER_CREDIT_CODE]
    page = client.get(f"/cases/{hengyang_case}").get_data(as_text=True)
    assert re.search(rf'data-field="application.{CODES}"><ol class="item-list">'
                     rf'<li>{hy.RELATED_CREDIT_CODE}</li><li>{hy.OTHER_CREDIT_CODE}</li></ol>',
                     page)


def test_a_bad_line_is_shown_on_the_field_by_its_line_number_and_the_input_is_kept(
        client, hengyang_case):
    url = f"/tasks/{support.ready_item(hengyang_case).id}"
    typed = f"{hy.RELATED_CREDIT_CODE}\r\n91430405MA4T5U6W70"

    response = client.post(url, data=application(client, hengyang_case, typed))

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(rf'data-field="{CODES}".*?第 2 项：统一社会信用代码无效', html, re.S)
    assert typed.replace("\r\n", "\n") in textarea(html, CODES).replace("\r\n", "\n")
    assert support.case(hengyang_case).status == "draft"
