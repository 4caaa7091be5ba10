"""The case page's follow-up box: each role sees the procedures it may start, and starting one
opens the new case linked to its title (test jurisdiction in tests/data/follow_up)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Case, User
from app.services import cases, tasks
from tests.conftest import app_on, at

DATA = Path(__file__).parent.parent / "data" / "follow_up"


@pytest.fixture
def app(tmp_path, template_database):
    with app_on(template_database, tmp_path, DATA / "processes", DATA / "forms") as app:
        yield app


def recognised(username: str, base_name: str) -> Case:
    """Return a title of the test jurisdiction, held by `username` (recognised on filing)."""
    applicant = db.session.scalars(sa.select(User).where(User.username == username)).one()
    case = cases.start_case(applicant, "fu_title", at("2026-03-01T09:00"))
    [item] = [i for i in tasks.list_tasks(applicant) if i.case_id == case.id]
    tasks.complete_task(applicant, item.id, {"base_name": base_name, "operator_name": "运营公司",
                                            "county": "east"}, at("2026-03-01T10:00"))
    return case


@pytest.fixture
def title() -> Case:
    return recognised("fu_applicant", "东区基地")


def test_each_role_sees_only_the_follow_ups_it_may_start(client, login_as, title):
    login_as("fu_applicant")
    page = client.get(f"/cases/{title.id}").get_data(as_text=True)
    assert 'data-testid="start-fu_change"' in page
    assert "start-fu_revocation" not in page and "start-fu_note" not in page

    login_as("fu_city")
    page = client.get(f"/cases/{title.id}").get_data(as_text=True)
    assert 'data-testid="start-fu_revocation"' in page and "start-fu_change" not in page


def test_starting_a_follow_up_opens_the_new_case_linked_to_its_title(client, login_as, title):
    login_as("fu_city")

    response = client.post(f"/cases/{title.id}/follow-ups", data={"process": "fu_revocation"})

    db.session.expire_all()
    [child] = cases.children_of(title)
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/cases/{child.id}")
    page = client.get(f"/cases/{child.id}").get_data(as_text=True)
    assert title.ref in page and "撤销决定" in page
    # The title it concerns, labelled (forms/title.yaml), not as raw keys.
    assert 'data-field="title.certificate_no"' in page and "证书编号" in page
    assert ">credit_code<" not in page


def test_a_follow_up_the_role_may_not_start_is_refused_and_nothing_starts(client, login_as,
                                                                         title):
    login_as("fu_applicant")

    response = client.post(f"/cases/{title.id}/follow-ups", data={"process": "fu_revocation"})

    assert response.status_code == 403
    assert cases.children_of(title) == []


def test_the_city_starts_one_procedure_on_several_titles_and_is_told_what_started(
        client, login_as, title):
    other = recognised("fu_applicant2", "东区另一基地")
    login_as("fu_city")
    listing = client.get("/cases").get_data(as_text=True)
    assert 'data-testid="batch-fu_revocation"' in listing and "batch-fu_change" not in listing

    page = client.get("/follow-ups/fu_revocation").get_data(as_text=True)
    assert f'value="{title.id}"' in page and f'value="{other.id}"' in page

    answer = client.post("/follow-ups/fu_revocation",
                         data={"case": [str(title.id), str(other.id), "999999"]})

    db.session.expire_all()
    assert [len(cases.children_of(c)) for c in (title, other)] == [1, 1]
    text = answer.get_data(as_text=True)
    assert text.count('data-testid="batch-started"') == 2
    assert text.count('data-testid="batch-refused"') == 1 and "999999" in text
    # Both now have a revocation under way: neither is offered again.
    page = client.get("/follow-ups/fu_revocation").get_data(as_text=True)
    assert f'value="{title.id}"' not in page and f'value="{other.id}"' not in page


def test_the_batch_page_of_a_procedure_the_role_does_not_start_is_not_found(client, login_as,
                                                                            title):
    login_as("fu_applicant")

    assert client.get("/follow-ups/fu_revocation").status_code == 404
    assert client.post("/follow-ups/fu_revocation", data={"case": [str(title.id)]}).status_code \
        == 404
    assert cases.children_of(title) == []


def test_bad_input_on_the_follow_up_forms_changes_nothing_and_says_why(client, login_as, title):
    login_as("fu_city")

    empty = client.post("/follow-ups/fu_revocation", data={"case": ["x", "0"]})
    unknown = client.post(f"/cases/{title.id}/follow-ups", data={"process": "no_such"})

    assert empty.status_code == 200 and "请至少选择一个基地" in empty.get_data(as_text=True)
    assert unknown.status_code == 404
    assert cases.children_of(title) == []
