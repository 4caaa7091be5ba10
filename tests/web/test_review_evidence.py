"""Review tasks open with their evidence: the experts' score table with the average and the
case's rank in its call's batch (Kunming 择优, seed 003 Art. 11), earlier decisions, and the
reason a loop-back gave. Each reader sees only what the visibility policy lets them."""

from __future__ import annotations

import re

import pytest

from tests.processes import examples_kunming as km
from tests.processes.driver import CaseDriver, template_db  # noqa: F401 - a fixture
from tests.web.conftest import DEMO_PASSWORD
from tests.web.test_calls_api import KM_CITY, api, km_scored, open_call  # noqa: F401


def page_of(api, username: str, case: CaseDriver, task: str) -> str:  # noqa: F811
    api.client.post("/logout")
    api.client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    task_id = case.task(username, task)["id"]
    response = api.client.get(f"/tasks/{task_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def cells(html: str, test_id: str) -> list[str]:
    """The visible text of each element marked data-testid=`test_id`, tags stripped."""
    found = re.findall(rf'data-testid="{test_id}"[^>]*>(.*?)</(?:tr|strong|span|li)>', html,
                       re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", f).split()) for f in found]


@pytest.fixture
def batch(api):  # noqa: F811
    open_call(api, "kunming_recognition", KM_CITY)
    low, high = km_scored(api, [70, 80, 75]), km_scored(api, [90, 85, 95])
    return low, high


def test_the_expert_decision_opens_with_scores_average_and_rank(api, batch):  # noqa: F811
    low, _high = batch

    html = page_of(api, KM_CITY, low, "expert_decision")

    assert cells(html, "score-average") == ["75.00"]
    assert cells(html, "score-rank") == ["在本批次中排名第 2 / 2"]
    rows = cells(html, "score-row")
    assert len(rows) == 3
    assert [re.search(r"\s(\d+)\s", r)[1] for r in rows] == ["70", "80", "75"]
    assert all("服务功能完善，示范作用明显。" in r and " 是 " in r for r in rows)
    # the evidence comes before the form, which spans the page
    assert html.index('data-testid="score-table"') < html.index('id="task-form"')
    assert 'data-testid="previous-decisions"' in html and "同意推荐" in html


def test_an_expert_never_reads_the_other_experts_scores(api, batch):  # noqa: F811
    low, _high = batch
    decision = low.task(KM_CITY, "expert_decision")["id"]

    api.client.post("/logout")
    api.client.post("/login", data={"username": "km_expert1", "password": DEMO_PASSWORD})
    task = api.client.get(f"/tasks/{decision}")
    case = api.client.get(f"/cases/{low.id}").get_data(as_text=True)

    assert task.status_code in (403, 404)
    assert "专家评分" not in task.get_data(as_text=True)
    assert 'data-testid="score-row"' not in case


def test_the_applicant_reopens_the_correction_with_the_officials_reason_on_top(api):  # noqa: F811
    case = CaseDriver(api, "kunming_recognition", "km_applicant", KM_CITY)
    case.start("2026-03-02T09:00")
    case.complete("km_applicant", "submit_application", km.APPLICATION, "2026-03-02T10:00")
    case.complete("km_county_wuhua", "county_review", km.COUNTY_RETURN, "2026-03-10T09:00")

    html = page_of(api, "km_applicant", case, "correct_application")

    # The 补正告知 carries the official's reason; no second banner repeats it.
    reason = re.search(r'data-testid="correction-reason">(.*?)</p>', html, re.S)[1]
    assert km.COUNTY_RETURN["decision_reason"] in reason
    assert 'data-testid="loop-reason"' not in html
    assert html.index('data-testid="correction-notice"') < html.index('id="task-form"')
