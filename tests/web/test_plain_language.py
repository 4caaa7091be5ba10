"""Pages in plain words: a title in force reads as such with its validity and document
number, the applicant follows a row of milestones instead of the diagram, and the English
interface names the steps in English."""

from __future__ import annotations

from app.extensions import db
from app.models import Case
from tests.processes import examples_kunming as km
from tests.processes.test_kunming import APPLICANT, CITY
from tests.web.recognised import api, app, loaded_app, template_db, title  # noqa: F401
from tests.web.support import text

VALIDITY = "2026-11-20 — 2029-11-19"


def test_a_recognised_title_reads_as_in_force_with_validity_and_document_number(
        client, login_as, title):  # noqa: F811
    login_as(APPLICANT)
    case = db.session.get(Case, title.id)

    home = client.get("/applicant/").get_data(as_text=True)
    page = client.get(f"/cases/{title.id}").get_data(as_text=True)

    assert case.stage == "后续办理办结、1月1日或有效期届满"  # what it waits for, not a state
    row = home[home.index(f'data-case-ref="{case.ref}"'):]
    row = row[:row.index("</tr>")]
    assert "称号有效期内" in row and "1月1日" not in row
    assert f"有效期 {VALIDITY}" in row and f"认定文号 {km.RECOGNIZE['certificate_no']}" in row
    assert "称号有效期内" in page and "1月1日或有效期届满" not in page
    assert km.RECOGNIZE["certificate_no"] in page and VALIDITY in page


def test_the_applicant_follows_milestones_without_the_diagram_or_internal_names(
        client, login_as, title):  # noqa: F811
    login_as(APPLICANT)

    page = client.get(f"/cases/{title.id}")
    html = page.get_data(as_text=True)

    milestones = text(page)[text(page).index("进度"):]
    assert [key for key in ("提交申报", "县级审核", "市级评审", "社会公示", "已认定")
            if key in milestones] == ["提交申报", "县级审核", "市级评审", "社会公示", "已认定"]
    assert html.count('data-state="done"') == 5 and 'data-state="current"' not in html
    assert 'id="case-diagram"' not in html and "bpmn-source" not in html
    assert "case-history-link" not in html  # the replay page shows the diagram and versions
    for internal in ("notice_period_ends", "submit_application", "认领任务", "收到消息"):
        assert internal not in html
    assert "办理完成：集体决策与授牌" in text(page) and "期限届满：公示期满" in text(page)


def test_an_official_sees_the_diagram_with_zoom_controls_and_lanes_in_its_language(
        client, login_as, title):  # noqa: F811
    login_as(CITY)

    html = client.get(f"/cases/{title.id}").get_data(as_text=True)

    assert 'id="case-diagram"' in html and 'data-zoom="in"' in html and 'data-zoom="fit"' in html
    assert "&#34;county&#34;: &#34;县级主管部门&#34;" in html or "县级" in html
    assert 'data-testid="milestones"' not in html


def test_the_english_worklist_and_task_page_name_steps_in_english(client, login_as,
                                                                  submitted_case):
    login_as("km_county_wuhua")
    client.get("/language/en")

    worklist = text(client.get("/worklist"))
    case_page = text(client.get(f"/cases/{submitted_case}"))

    assert "County first review" in worklist and "县级初审" not in worklist
    assert "Process: County first review" in case_page
    assert "Submitted: Fill in the application materials" not in case_page
    assert "Step completed: Fill in the application materials" in case_page


def test_an_applicant_in_review_sees_the_county_milestone_current(client, login_as,
                                                                  submitted_case):
    login_as("km_applicant")

    html = client.get(f"/cases/{submitted_case}").get_data(as_text=True)

    current = html[html.index('aria-current="step"'):]
    assert 'data-key="county"' in html[html.index('data-state="current"') - 80:][:200]
    assert "县级初审" in current[:400]
    assert html.count('data-state="done"') == 1 and html.count('data-state="todo"') == 3


def test_an_applicant_asking_for_the_worklist_lands_on_its_home(client, login_as):
    login_as("km_applicant")

    response = client.get("/worklist")
    menu = client.get("/applicant/").get_data(as_text=True)

    assert response.location == "/applicant/"
    assert "nav-worklist-index" not in menu and "待办任务" not in menu
