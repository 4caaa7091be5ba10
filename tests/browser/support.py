"""What the browser walks share: the live server, logging in, labels, screenshots."""

from __future__ import annotations

import contextlib
import re
import threading
from pathlib import Path

from playwright.sync_api import Locator, Page, expect
from werkzeug.serving import WSGIRequestHandler, make_server

from app.config import ROOT
from app.web import api as api_module
from tests.processes.driver import Api, CaseDriver
from tests.processes.test_kunming import APPLICANT, CITY, recognized

ARTIFACTS = ROOT / "test-artifacts" / "browser"
PASSWORD = "demo1234"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # npm devDependency
BLOCKING = ("serious", "critical")


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # no access log in the test output
        pass


class LiveServer:
    """The app served by werkzeug on 127.0.0.1 (a free port) in a daemon thread."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True,
                                  request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def run_timers(self, now: str) -> int:
        """Fire due timers as an operator would (`flask timers run --now NOW`); return the count."""
        result = self.app.test_cli_runner().invoke(args=["timers", "run", "--now", now])
        assert result.exit_code == 0, result.output
        return int(result.output.strip().splitlines()[-1])

    def recognised_title(self):
        """Recognise km_applicant's Kunming title on 2026-11-20 through the JSON API on this
        server's database (its clock set by the driver); return the case's driver."""
        with self.app.app_context():
            api = Api(self.app)
            saved, api_module._now = api_module._now, lambda: api.now
            try:
                case = CaseDriver(api, "kunming_recognition", APPLICANT, CITY)
                recognized(case)
            finally:
                api_module._now = saved
        return case


@contextlib.contextmanager
def new_tab(browser, live_server: LiveServer, width: int, height: int):
    """Yield a page of a fresh context (no cookies) of `width` x `height` px in Chinese,
    Shanghai time, pointed at the live server; close the context afterwards."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                  timezone_id="Asia/Shanghai",
                                  viewport={"width": width, "height": height})
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def label_pattern(text: str) -> re.Pattern:
    """Match a label that is exactly `text`, with or without the required mark *（必填）."""
    return re.compile(r"^\s*" + re.escape(text) + r"\s*\*?\s*(（必填）)?\s*(\(%\))?\s*$")


def field(scope, text: str):
    """Return the control labelled exactly `text` (required mark allowed) within `scope`."""
    return scope.get_by_label(label_pattern(text))


def login(page: Page, username: str, password: str = PASSWORD) -> None:
    """Log out whoever is logged in, then log in as `username` through the login page."""
    page.goto("/login")
    logout = page.get_by_role("button", name="退出")
    if logout.count():
        logout.click()
        expect(page.get_by_test_id("flash-info")).to_contain_text("您已安全退出")
    field(page, "用户名").fill(username)
    field(page, "密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_test_id("flash-success")).to_contain_text("欢迎您")


def snap(page: Page, name: str, part: Locator | None = None) -> None:
    """Save a screenshot of a key page (or of one `part` of it) for people to look at."""
    folder = ARTIFACTS / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    if part is None:
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    else:
        part.screenshot(path=str(folder / f"{name}.png"))


def axe_violations(page: Page) -> list[str]:
    """Run axe-core on the page as it is now; return its serious and critical violations, one
    line each: rule, impact, what it asks and the first offending elements."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol: the page's Content-Security-Policy, which
        # forbids inline scripts, does not apply.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + ", ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:4])
            for v in result["violations"] if v["impact"] in BLOCKING]


def assert_accessible(page: Page) -> None:
    """Fail with the list of axe-core's serious and critical violations of the current page."""
    found = axe_violations(page)
    assert not found, f"{page.url}:\n" + "\n".join(found)


def failure_screenshot(page: Page, test_name: str) -> Path:
    """Save the page of a failed test as test-artifacts/browser/<test name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / (re.sub(r"[^\w.-]+", "_", test_name) + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


def open_application(page: Page) -> str:
    """Start an application on the applicant's start page; return the new case's reference."""
    page.goto("/applicant/")
    page.once("dialog", lambda dialog: dialog.accept())  # 确定要发起新的申报吗？
    page.get_by_test_id("startable").get_by_role("button", name="发起申报").click()
    expect(page.get_by_test_id("task-title")).to_contain_text("填报申请材料")
    expect(page.get_by_test_id("flash-success")).to_contain_text("请填写申请表并提交")
    return page.get_by_test_id("task-case-ref").inner_text().strip()


def claim_in_worklist(page: Page, ref: str, task: str) -> None:
    """Claim `task` of case `ref` from the worklist and open it."""
    page.goto("/worklist")
    row = page.get_by_test_id("tasks-claimable").get_by_role("row").filter(has_text=ref)
    expect(row).to_contain_text(task)
    row.get_by_role("button", name="签收").click()
    expect(page.get_by_test_id("flash-success")).to_contain_text(f"您已签收案卷 {ref} 的“{task}”")
    mine = page.get_by_test_id("tasks-mine").get_by_role("row").filter(has_text=ref)
    mine.get_by_role("link", name="办理", exact=True).click()
    expect(page.get_by_test_id("task-title")).to_contain_text(task)


def open_case(page: Page, ref: str) -> None:
    """Find case `ref` by the search of the case list and open its page."""
    page.goto("/cases")
    page.get_by_label("案卷编号或基地名称").fill(ref)
    page.get_by_role("button", name="查询").click()
    page.get_by_test_id("case-table").get_by_role("link", name=ref).click()
    expect(page.get_by_test_id("case-ref")).to_have_text(ref)
