"""Web fixtures on the database of the JSON API tests (driver.py), with a Kunming title
recognised through that API; a module imports them by name."""

from __future__ import annotations

import pytest

from tests.processes.driver import CaseDriver, api, loaded_app, template_db  # noqa: F401
from tests.processes.test_kunming import APPLICANT, CITY, recognized


@pytest.fixture
def app(loaded_app):  # noqa: F811 - the web fixtures (client, login_as) use this database
    return loaded_app


@pytest.fixture
def title(api) -> CaseDriver:  # noqa: F811
    """A Kunming title recognised on 2026-11-20, valid until 2029-11-19."""
    case = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
    recognized(case)
    return case
