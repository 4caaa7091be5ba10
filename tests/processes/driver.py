"""Drive the product through its JSON API as its users would: bearer tokens, real uploads.

`Api` wraps the Flask test client with one token per demo user and a clock the
test sets (the API stamps completions with it). `CaseDriver` follows one case:
it finds a task in the worklist of the user who must do it, uploads real files
for the form's file fields, completes it, and reads the case back.

`template_app` builds the database once per session (processes, forms and demo
users loaded; hashing the demo passwords is the slow part) and copies it for
every test, so each test still starts from a fresh database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.config import ROOT, TestConfig
from app.extensions import db
from app.models import User
from app.services import catalog, demo, oversight_rollups, users
from app.web import api as api_module

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
FILE = "@file"
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f5d5f800"
    "00000049454e44ae426082")


def at(text: str) -> dt.datetime:
    """Return an aware instant from 'YYYY-MM-DD[THH:MM[:SS]]' read in Asia/Shanghai."""
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)


# --- a fresh database per test, copied from one loaded per session ----------------------------

def _config(database: Path, uploads: Path, process_dir: Path, form_dir: Path) -> type:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{database}"
        UPLOAD_DIR = str(uploads)
        AUDIT_ANCHOR_LOG = str(uploads.parent / "audit-anchors.jsonl")
        AUDIT_SIGNING_KEY = str(uploads.parent / "audit-signing-key.pem")
        PROCESS_DIR = str(process_dir)
        FORM_DIR = str(form_dir)

    return Config


def build_template(folder: Path, process_dir: Path = ROOT / "processes",
                   form_dir: Path = ROOT / "forms") -> Path:
    """Create a database with processes, forms and demo users loaded; return its file."""
    database = folder / "template.sqlite"
    app = create_app(_config(database, folder / "uploads", process_dir, form_dir))
    with app.app_context():
        db.create_all()
        catalog.load_all(process_dir, form_dir)
        demo.load_demo_users(process_dir)
        settle_file()
    return database


def settle_file() -> None:
    """In an app context on a SQLite file: end its sessions, fold the write-ahead log into
    the file and close every connection, so that a copy of the file holds all it wrote."""
    db.session.remove()
    db.session.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
    db.session.remove()
    db.engine.dispose()


def app_from_template(template: Path, folder: Path, process_dir: Path = ROOT / "processes",
                      form_dir: Path = ROOT / "forms"):
    """Return an app on a private copy of `template` in `folder`."""
    database = folder / "test.sqlite"
    shutil.copyfile(template, database)
    return create_app(_config(database, folder / "uploads", process_dir, form_dir))


def app_on_copies(template: Path, folder: Path, process_dir: Path, form_dir: Path):
    """Return an app on a private copy of `template` (loaded from `process_dir` and `form_dir`)
    whose PROCESS_DIR and FORM_DIR are copies of those folders in `folder`, for a test that
    changes the files."""
    shutil.copytree(process_dir, folder / "processes")
    shutil.copytree(form_dir, folder / "forms")
    return app_from_template(template, folder, folder / "processes", folder / "forms")


@pytest.fixture(scope="session")
def template_db(template_database) -> Path:
    return template_database(ROOT / "processes", ROOT / "forms")


@pytest.fixture
def loaded_app(loaded_database, tmp_path):
    """The product with the real processes/, forms/ and demo users, on a fresh database copy."""
    app = app_from_template(loaded_database, tmp_path)
    by_hand = []  # bulk UPDATE/DELETE or raw SQL, as an insider would: no rollup sees those
    with app.app_context():
        sa.event.listen(db.session, "do_orm_execute", lambda state: by_hand.append(True)
                        if state.is_update or state.is_delete
                        or isinstance(state.statement, sa.TextClause) else None)
        yield app
        # Whatever the walk did through the product, the rollups still equal a recount.
        assert by_hand or oversight_rollups.check_all() == []
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def api(loaded_app, monkeypatch) -> Api:
    """The JSON API with a clock the test sets (`api.now`)."""
    client = Api(loaded_app)
    monkeypatch.setattr(api_module, "_now", lambda: client.now)
    return client


# --- the API ----------------------------------------------------------------------------------

def find_user(username: str) -> User:
    return db.session.scalars(sa.select(User).where(User.username == username)).one()


class Api:
    """The JSON API as each demo user sees it."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.tokens: dict[str, str] = {}
        self.now = at("2026-03-01T09:00")

    def token(self, username: str) -> str:
        if username not in self.tokens:
            self.tokens[username] = users.issue_token(find_user(username))
        return self.tokens[username]

    def headers(self, username: str | None) -> dict:
        return {"Authorization": f"Bearer {self.token(username)}"} if username else {}

    def call(self, method: str, username: str | None, path: str, expect: int = 200, **kwargs):
        """Send a request as `username`; assert the status; return the JSON answer."""
        response = self.client.open(path, method=method, headers=self.headers(username), **kwargs)
        body = response.get_data(as_text=True)
        assert response.status_code == expect, \
            f"{method} {path}: {response.status_code} {body[:600]}"
        assert response.is_json, f"{method} {path}: not JSON: {body[:200]}"
        return response.get_json()

    def get(self, username, path, expect=200):
        return self.call("GET", username, path, expect)

    def post(self, username, path, body=None, expect=200):
        return self.call("POST", username, path, expect, json=body if body is not None else {})

    def upload(self, username: str, case_id: int, name: str = "evidence.pdf",
               content: bytes = PDF, expect: int = 201) -> dict:
        return self.call("POST", username, f"/api/cases/{case_id}/attachments", expect,
                         data={"file": (io.BytesIO(content), name)},
                         content_type="multipart/form-data")

    def tasks(self, username: str) -> list[dict]:
        return self.get(username, "/api/tasks")

    def run_timers(self, when: str) -> int:
        """Run `flask timers run --now WHEN`; return the number of cases it moved."""
        instant = at(when).isoformat()
        result = self.app.test_cli_runner().invoke(args=["timers", "run", "--now", instant])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        return int(result.output.strip().splitlines()[-1])


@contextlib.contextmanager
def api_on(app, monkeypatch) -> Iterator[Api]:
    """Yield the JSON API of `app` (inside its app context) with a clock the test sets."""
    with app.app_context():
        client = Api(app)
        monkeypatch.setattr(api_module, "_now", lambda: client.now)
        yield client
        db.session.remove()
        db.engine.dispose()


@contextlib.contextmanager
def api_on_data(folder: Path, template_database, tmp_path, monkeypatch) -> Iterator[Api]:
    """Yield the JSON API of the product on test data `folder` (its processes/ and forms/)."""
    dirs = (folder / "processes", folder / "forms")
    app = app_from_template(template_database(*dirs), tmp_path, *dirs)
    with api_on(app, monkeypatch) as client:
        yield client


# --- one case ---------------------------------------------------------------------------------

class CaseDriver:
    """One case of `process`, started by `applicant`, read back as `observer` (a city official)."""

    def __init__(self, api: Api, process: str, applicant: str, observer: str):
        self.api, self.process = api, process
        self.applicant, self.observer = applicant, observer
        self.id: int | None = None

    def start(self, when: str = "2026-03-01T09:00") -> dict:
        self.api.now = at(when)
        case = self.api.post(self.applicant, "/api/cases", {"process": self.process}, expect=201)
        self.id = case["id"]
        return case

    def case(self, username: str | None = None) -> dict:
        return self.api.get(username or self.observer, f"/api/cases/{self.id}")

    def ready(self) -> list[str]:
        """Return the names of the case's ready tasks, sorted."""
        return sorted(task["name"] for task in self.case()["tasks"])

    def task(self, username: str, name: str) -> dict:
        """Return the one task `name` of this case in `username`'s worklist."""
        mine = [t for t in self.api.tasks(username)
                if t["case_id"] == self.id and t["name"] == name]
        assert len(mine) == 1, (username, name, [t["name"] for t in self.api.tasks(username)],
                                self.ready())
        return mine[0]

    def attach(self, username: str, data, uploaded: list | None = None):
        """Return `data` with every FILE placeholder replaced by the id of one real upload."""
        uploaded = [] if uploaded is None else uploaded
        if isinstance(data, Mapping):
            return {key: self.attach(username, value, uploaded) for key, value in data.items()}
        if isinstance(data, list):
            return [self.attach(username, value, uploaded) for value in data]
        if data != FILE:
            return data
        if not uploaded:
            uploaded.append(self.api.upload(username, self.id)["id"])
        return uploaded[0]

    def complete(self, username: str, name: str, data: Mapping, when: str | None = None,
                 expect: int = 200) -> dict:
        """Complete task `name` as `username` at `when`; return the answer (the case)."""
        if when:
            self.api.now = at(when)
        task = self.task(username, name)
        return self.api.post(username, f"/api/tasks/{task['id']}/complete",
                             {"data": self.attach(username, data)}, expect=expect)

    def follow_up(self, username: str, process: str, expect: int = 201) -> CaseDriver | dict:
        """Start follow-up `process` on this case as `username` (POST /api/cases with
        parent_id); return the child's driver, or the error answer when `expect` is not 201."""
        answer = self.api.post(username, "/api/cases", {"process": process, "parent_id": self.id},
                               expect=expect)
        if expect != 201:
            return answer
        child = CaseDriver(self.api, process, self.applicant, self.observer)
        child.id = answer["id"]
        return child

    def child(self, process: str | None = None) -> CaseDriver:
        """Return a driver for this case's only child case (of `process`, when given)."""
        found = []
        for child_id in self.case()["children"]:
            child = CaseDriver(self.api, "", self.applicant, self.observer)
            child.id = child_id
            child.process = child.case()["process"]
            if process is None or child.process == process:
                found.append(child)
        [child] = found
        return child
