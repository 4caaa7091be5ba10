"""Fixtures for the end-to-end procedure tests (see driver.py)."""

from tests.processes.driver import api, loaded_app, template_db  # noqa: F401
