"""`audit verify --all --jobs 2` on PostgreSQL: each worker process opens its own connections.

Runs when TEST_POSTGRES_URL names a PostgreSQL database (`.ci/run` starts one); skipped
otherwise.
"""

from __future__ import annotations

import os

import pytest

from app.extensions import db
from tests.services.test_anchors import cli, events_of, make_case, ref_of

URL = os.environ.get("TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not URL, reason="TEST_POSTGRES_URL is not set")


def test_workers_on_postgresql_find_the_edited_case_as_one_process_does(pg_api):
    good, edited, other = make_case(pg_api), make_case(pg_api), make_case(pg_api)
    forged = events_of(edited.id)[1]
    forged.data = {**forged.data, "forged": True}
    db.session.commit()

    parallel = cli(pg_api, "verify", "--all", "--jobs", "2")
    single = cli(pg_api, "verify", "--all", "--jobs", "1")

    assert parallel.exit_code == 1 and parallel.output == single.output, parallel.output
    lines = parallel.output.splitlines()
    assert f"{ref_of(good)}\tok" in lines and f"{ref_of(other)}\tok" in lines
    assert "cases\t3" in lines and "failed\t1" in lines
    assert (f"failure\t{ref_of(edited)}\t#2\thash chain broken: an event was edited or deleted"
            in lines)
