"""Shared fixtures: an app on a fresh SQLite file per test, processes and demo users loaded.

Loading the processes and hashing the demo users' passwords costs seconds, so it is done
once per test session into a template database; each test gets its own copy of that file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from xdist.scheduler import LoadScopeScheduling

from app.config import ROOT
from app.extensions import db
from app.models import User
from tests.processes.driver import app_from_template, build_template

DATA = Path(__file__).parent / "data"


def _own_postgres_database() -> None:
    """Give each pytest-xdist worker (`make test` runs two) its own PostgreSQL database
    beside TEST_POSTGRES_URL's, so that suites emptying it never meet; set before any test
    module reads the variable."""
    url, worker = os.environ.get("TEST_POSTGRES_URL"), os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return
    base = sa.engine.make_url(url)
    name = f"{base.database}_{worker}"
    engine = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                             {"name": name}) is None:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    os.environ["TEST_POSTGRES_URL"] = base.set(database=name).render_as_string(
        hide_password=False)


_own_postgres_database()

# `make test` (`pytest -n 2`) hands tests to its two workers one unit at a time, in collection
# order (_Units): a unit is one test, or all the tests of a module that builds an expensive
# module-scoped fixture (a browser walk's live server and scene), which is then built once,
# not once per worker. The modules named in SLOW_FIRST go first, slowest first, so that the
# run does not end with one worker alone on a long walk.
SLOW_FIRST = (
    "tests/browser/test_kunming_walk.py",
    "tests/browser/test_shanxi_walk.py",
    "tests/browser/test_accessibility.py",
    "tests/browser/test_editors.py",
    "tests/browser/test_correction_loop.py",
    "tests/browser/test_modeler.py",
    "tests/browser/test_verify_run_page.py",
    "tests/browser/test_history_page.py",
    "tests/browser/test_dossier_download.py",
    "tests/browser/test_kunming_title_walk.py",
    "tests/browser/test_liaocheng_title_walk.py",
    "tests/browser/test_guided_application_walk.py",
    "tests/processes/test_kunming_designer_flow.py",
    "tests/services/test_postgres.py",
)
# Besides every browser module: modules whose tests share an expensive module-scoped fixture.
ONE_WORKER = (
    "tests/processes/test_kunming_designer_flow.py",
    "tests/services/test_dossier.py",
    "tests/services/test_gunicorn_load.py",
    "tests/services/test_postgres.py",
    "tests/services/test_visibility.py",
)


def _module(nodeid: str) -> str:
    return nodeid.split("::")[0]


class _Units(LoadScopeScheduling):
    """xdist's scope scheduling, a scope being one test or one module of ONE_WORKER."""

    def _split_scope(self, nodeid: str) -> str:
        module = _module(nodeid)
        return module if module.startswith("tests/browser/") or module in ONE_WORKER else nodeid


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # before xdist's own choice
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    if config.getvalue("dist") != "load":
        return None  # an explicit --dist is obeyed
    config.option.loadscopereorder = False  # keep the collection order (SLOW_FIRST)
    return _Units(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the known slow modules first, in the order of SLOW_FIRST."""
    rank = {path: number for number, path in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(_module(item.nodeid), len(rank)))


SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(text: str) -> dt.datetime:
    """Return an aware instant from 'YYYY-MM-DD[THH:MM]' read in Asia/Shanghai."""
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)


@contextlib.contextmanager
def app_on(template_database, tmp_path, process_dir: Path, form_dir: Path):
    """Yield, inside its app context, the product on a fresh copy of the template database
    with the procedures of `process_dir` and the forms of `form_dir`."""
    app = app_from_template(template_database(process_dir, form_dir), tmp_path, process_dir,
                            form_dir)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def template_database(tmp_path_factory):
    """Return a function giving the loaded template database of (process_dir, form_dir)."""
    built: dict[tuple, Path] = {}

    def get(process_dir, form_dir) -> Path:
        key = (Path(process_dir), Path(form_dir))
        if key not in built:
            built[key] = build_template(tmp_path_factory.mktemp("template"), *key)
        return built[key]
    return get


@pytest.fixture
def loaded_database(template_database) -> Path:
    """The database file the loaded product of tests/processes/driver.py (`loaded_app`)
    copies: the template of the real processes/ and forms/, unless a module overrides this
    with a database it prepared once (and copies that database's uploads into tmp_path)."""
    return template_database(ROOT / "processes", ROOT / "forms")


@pytest.fixture
def app(tmp_path, template_database):
    """The product with the real processes/ and forms/ loaded."""
    with app_on(template_database, tmp_path, ROOT / "processes", ROOT / "forms") as app:
        yield app


@pytest.fixture
def mini_app(tmp_path, template_database):
    """The product with the small test procedure of tests/data loaded."""
    with app_on(template_database, tmp_path, DATA / "processes", DATA / "forms") as app:
        yield app


@pytest.fixture
def user():
    """Return the user named `username` (demo users are loaded)."""
    def find(username: str) -> User:
        return db.session.scalars(sa.select(User).where(User.username == username)).one()
    return find
