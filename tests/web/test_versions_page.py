"""The versions page of a procedure: the table of versions, four-eyes approval and publishing
with HTML forms, clear messages, and the links to edit, compare and migrate."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import ProcessVersion
from app.services import catalog, designs
from app.services.design_files import Folders
from tests.web.support import text

KEY = "kunming_recognition"
PAGE = f"/processes/{KEY}/versions"
NOTICE_10 = 'add_working_days(notice["notice_start"], 10,'


def _draft(app, user, change=lambda text: text.replace(NOTICE_10, NOTICE_10.replace("10", "15"))):
    designer = user("km_designer")
    files = designs.files(designer, KEY, catalog.latest_process(KEY).version)
    folders = Folders(*(app.config[name] for name in ("PROCESS_DIR", "FORM_DIR")))
    return designs.create_draft(designer, KEY, {"recognition.bpmn": change(
        files["recognition.bpmn"])}, "公示期改为15个工作日", folders=folders)[0]


def test_the_page_lists_every_version_with_its_status_author_and_running_cases(
        app, client, login_as, user):
    number = _draft(app, user)
    login_as("km_auditor")

    page = text(client.get(PAGE))

    assert f"v{number}" in page and "草稿" in page and "已发布" in page
    assert "km_designer" in page and "公示期改为15个工作日" in page and "办理中案件" in page
    assert "批准" not in page.replace("批准人", "")  # an auditor only reads


def test_the_procedures_index_and_diagram_link_to_the_versions_page(client, login_as):
    login_as("km_designer")
    version = catalog.latest_process(KEY)

    index = client.get("/processes/").get_data(as_text=True)
    show = client.get(f"/processes/{version.id}").get_data(as_text=True)

    assert f'href="{PAGE}"' in index and f'href="{PAGE}"' in show


def test_the_links_lead_to_edit_compare_and_migrate(app, client, login_as, user):
    number = _draft(app, user)
    login_as("km_designer")

    html = client.get(PAGE).get_data(as_text=True)

    assert f"/processes/{KEY}/edit?version={number}" in html
    assert f'action="/processes/{KEY}/diff"' in html
    assert f'formaction="/processes/{KEY}/migrations"' in html


def test_the_author_is_told_they_cannot_approve_their_own_draft(app, client, login_as, user):
    number = _draft(app, user)
    login_as("km_designer")

    response = client.post(f"{PAGE}/{number}/approve", follow_redirects=True)

    assert "不能批准自己的草稿" in text(response)
    assert db.session.get(ProcessVersion, _id(number)).approver is None


def _id(number: int) -> int:
    return db.session.scalar(sa.select(ProcessVersion.id).where(
        ProcessVersion.key == KEY, ProcessVersion.version == number))


def test_a_second_designer_approves_and_publishes_on_the_page(app, client, login_as, user):
    number = _draft(app, user)
    login_as("km_designer2")

    approved = client.post(f"{PAGE}/{number}/approve", follow_redirects=True)
    published = client.post(f"{PAGE}/{number}/publish", follow_redirects=True)

    assert f"第 {number} 版已批准" in text(approved)
    assert f"第 {number} 版已发布" in text(published)
    assert catalog.latest_process(KEY).version == number


def test_publishing_a_broken_draft_lists_its_problems_with_file_line_and_element(
        app, client, login_as, user):
    number = _draft(app, user, lambda text: text.replace(
        ">notice_ends_at</bpmn:timeDate>", ">notice ends</bpmn:timeDate>"))
    designs.approve(user("km_designer2"), KEY, number)
    login_as("km_designer")

    response = client.post(f"{PAGE}/{number}/publish")

    assert response.status_code == 422
    page = text(response)
    assert "草稿存在问题，不能发布" in page
    assert "recognition.bpmn:394" in page and "notice_period_ends" in page
    assert catalog.latest_process(KEY).version != number


def test_a_designer_of_another_jurisdiction_cannot_open_the_page(client, login_as):
    login_as("lc_designer")

    response = client.get(PAGE)

    assert response.status_code == 403 and "其他辖区" in text(response)


def test_comparing_starts_from_the_published_version_against_the_newest(app, client, login_as,
                                                                           user):
    published = catalog.latest_process(KEY).version
    _draft(app, user)
    newest = _draft(app, user)
    login_as("km_designer")

    html = client.get(PAGE).get_data(as_text=True)

    assert f'<option value="{published}" selected>' in html.split('name="to"')[0]
    assert f'<option value="{newest}" selected>' in html.split('name="to"')[1]


def test_a_draft_with_problems_says_so_and_offers_no_approval(app, client, login_as, user):
    number = _draft(app, user, lambda text: text.replace(
        ">notice_ends_at</bpmn:timeDate>", ">notice ends</bpmn:timeDate>"))
    clean = _draft(app, user)
    login_as("km_designer2")

    html = client.get(PAGE).get_data(as_text=True)
    rows = {v["version"]: v for v in designs.versions(user("km_designer2"), KEY)}

    assert rows[number]["problems"] == 1 and rows[clean]["problems"] == 0
    assert f'data-testid="draft-problems-{number}"' in html and "1 个问题" in html
    assert f'data-testid="approve-{number}"' not in html and "等待另一位设计人员批准" not in html
    assert f'data-testid="approve-{clean}"' in html
