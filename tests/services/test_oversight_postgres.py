"""The oversight figures on PostgreSQL (its own day and year functions, JSON operator and the
indexes of migration 0012), on the data set of test_oversight.py.

Runs when TEST_POSTGRES_URL names an empty PostgreSQL database; skipped otherwise.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from app.extensions import db
from tests.services import test_oversight as same

URL = os.environ.get("TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not URL, reason="TEST_POSTGRES_URL is not set")


def test_the_figures_on_postgresql_are_those_on_sqlite(pg_api):
    indexes = {row[0] for row in db.session.execute(sa.text(
        "SELECT indexname FROM pg_indexes WHERE tablename IN ('case', 'work_item')"))}
    assert {"ix_case_created_at", "ix_case_valid_from", "ix_case_valid_until",
            "ix_work_item_completed_at"} <= indexes
    same.build(pg_api)

    figures = same._figures(same.CITY)

    assert [(r["county"], r["cases"], r["statuses"]) for r in figures["by_county"]] == [
        ("panlong", 1, {"in_review": 1}), ("wuhua", 2, {"recognized": 1, "revoked": 1})]
    assert same._step(figures, "county_review")["median_working_days"] == 2.0
    assert [(r["task"], r["most_working_days_overdue"]) for r in figures["overdue"]] == [
        ("site_inspection", 2)]
    assert figures["annual_reports"] == [{"year": 2027, "due": 2, "received": 1, "missing": 1}]
    assert [(r["year"], r["recognitions"], r["expiries"], r["revocations"])
            for r in figures["titles"]] == [(2026, 2, 0, 0), (2027, 0, 0, 1), (2029, 0, 1, 0)]
    assert same._figures(same.CITY, year=2027)["titles"] == [
        {"year": 2027, "recognitions": 0, "expiries": 0, "revocations": 1}]
