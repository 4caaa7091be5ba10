"""Service-level fixtures: the loaded product on a fresh database copy per test (driver.py)."""

from tests.processes.driver import api, loaded_app, template_db  # noqa: F401
