"""The access journal service: what `record` writes for each action, who reads it, filters."""

from __future__ import annotations

import pytest

from app.errors import NotAllowed, Rejected
from app.models import Case
from app.services import access_log, cases
from tests.conftest import at
from tests.web import support


def _case(app) -> Case:
    """A Kunming case opened by its applicant."""
    return cases.start_case(support.user("km_applicant"), "kunming_recognition",
                            at("2026-03-01T09:00"))


@pytest.mark.parametrize("action", access_log.ACTIONS)
def test_each_action_is_recorded_with_who_what_and_when(app, user, action):
    case = _case(app)

    access_log.record(user("km_auditor"), action, case, detail="d", now=at("2026-12-01T10:00"))

    entry = access_log.entries(user("admin"))[0]
    assert (entry.username, entry.role, entry.action, entry.case_id, entry.case_ref,
            entry.jurisdiction, entry.detail) == ("km_auditor", "auditor", action, case.id,
                                                  case.ref, "kunming", "d")
    assert entry.at == at("2026-12-01T10:00")


def test_reads_of_officials_and_of_the_public_are_not_recorded(app, user):
    case = _case(app)

    for name in ("km_city", "km_county_wuhua", "km_applicant", "km_expert1", "km_designer"):
        access_log.record(user(name), "case", case)
    access_log.record(None, "search")

    assert access_log.entries(user("admin")) == []


def test_an_unknown_action_is_a_programming_error(app, user):
    with pytest.raises(ValueError):
        access_log.record(user("km_auditor"), "edit")


def test_an_auditor_reads_only_their_jurisdiction_and_others_nothing(app, user):
    case = _case(app)
    access_log.record(user("km_auditor"), "case", case)
    access_log.record(user("sx_auditor"), "search")

    assert [e.username for e in access_log.entries(user("km_auditor"))] == ["km_auditor"]
    assert [e.username for e in access_log.entries(user("sx_auditor"))] == ["sx_auditor"]
    assert len(access_log.entries(user("admin"))) == 2
    for name in ("km_city", "km_applicant", "km_expert1"):
        with pytest.raises(NotAllowed):
            access_log.entries(user(name))
        assert access_log.case_entries(user(name), case) == []


def test_pages_follow_each_other_without_gap_or_repeat(app, user):
    for number in range(7):
        access_log.record(user("km_auditor"), "search", detail=str(number))
    reader, filters = user("km_auditor"), access_log.Filters()

    first, older = access_log.journal_page(reader, filters, size=3)
    second, older2 = access_log.journal_page(reader, filters, older, size=3)
    third, last = access_log.journal_page(reader, filters, older2, size=3)

    assert [e.detail for e in first + second + third] == ["6", "5", "4", "3", "2", "1", "0"]
    assert last is None


def test_filters_are_checked_and_named(app):
    with pytest.raises(Rejected) as refused:
        access_log.check_filters(username="x" * 81, action="edit", since="2026-02-30",
                                 until="2026-01-01")

    assert {field for field, *_rest in refused.value.reasons} == {"user", "action", "from"}
    with pytest.raises(Rejected):
        access_log.check_filters(since="2026-12-02", until="2026-12-01")
    assert access_log.check_filters(case=" KM-2026 ", action="case").case == "KM-2026"
