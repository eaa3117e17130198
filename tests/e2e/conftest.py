"""The browser journeys' stage: headless Chromium from Debian's ``chromium`` package driven by
Playwright against pytest-django's live server, one browser context per persona, and a
screenshot of every step under the artefacts folder.

* ``CHROMIUM_PATH`` names the Chromium executable (default: ``chromium`` on the PATH, else
  ``/usr/bin/chromium``). Playwright's own browser downloads are never used.
* ``TEST_ARTEFACTS_DIR`` is the artefacts folder (default ``var/test-artefacts``, git-ignored);
  a journey's screenshots are ``journeys/<journey>/<nn>-<step>.png``, and a failed step leaves
  ``<nn>-<step>-FAILED.png`` with the page as the user saw it.

The live server runs in a thread of the test process with the test settings' eager Celery, so
tasks (report building, the oversight cube's refresh) run inside the request that queued them.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    Response,
    expect,
    sync_playwright,
)

from tests.conftest import current_code
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
STEP_TIMEOUT_MS = 15_000  # one page load or one assertion's wait; report building included


def chromium_executable() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"Chromium is not installed ({path}): the browser journeys drive Debian's chromium "
            "package. `make test` installs it; otherwise `sudo apt-get install chromium`, or set "
            "CHROMIUM_PATH to a Chromium executable. (Never `playwright install`.)",
            pytrace=False,
        )
    return path


def artefacts_dir() -> Path:
    configured = os.environ.get("TEST_ARTEFACTS_DIR")
    return Path(configured) if configured else ROOT / "var" / "test-artefacts"


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z_-]+", "-", text).strip("-") or "step"


@dataclass
class Journey:
    """One persona's journey: numbered steps, each asserted, then photographed."""

    name: str
    folder: Path
    server_errors: list[str]
    count: int = 0

    @contextlib.contextmanager
    def step(self, page: Page, name: str) -> Iterator[None]:
        """Run the step's actions and assertions; fail it on any 5xx the browser received.
        The screenshot is taken after the assertions passed (or of the failure)."""
        self.count += 1
        stem = f"{self.count:02d}-{_slug(name)}"
        seen = len(self.server_errors)
        try:
            yield
            errors = self.server_errors[seen:]
            assert not errors, f"server errors during step {stem}: {errors}"
        except BaseException:
            with contextlib.suppress(Exception):
                page.screenshot(path=self.folder / f"{stem}-FAILED.png", full_page=True)
            raise
        page.screenshot(path=self.folder / f"{stem}.png", full_page=True)


@dataclass
class Stage:
    """The browser of one test, against the live server; each persona in its own context."""

    browser: Browser
    base_url: str
    artefacts: Path
    server_errors: list[str] = field(default_factory=list)
    contexts: list[BrowserContext] = field(default_factory=list)

    def _watch(self, response: Response) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    def page(self) -> Page:
        """A fresh browser (cookies of its own) for one persona, in Chinese."""
        context = self.browser.new_context(
            base_url=self.base_url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(STEP_TIMEOUT_MS)
        context.on("response", self._watch)
        self.contexts.append(context)
        return context.new_page()

    def journey(self, name: str) -> Journey:
        folder = self.artefacts / "journeys" / name
        shutil.rmtree(folder, ignore_errors=True)  # no screenshot of an earlier run is left over
        folder.mkdir(parents=True)
        return Journey(name, folder, self.server_errors)

    def close(self) -> None:
        for context in self.contexts:
            with contextlib.suppress(Exception):
                context.close()


def control(scope: Page | Locator, label: str) -> Locator:
    """The form control labelled ``label``: the whole label, but for the required-field sign."""
    return scope.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def log_in(page: Page, username: str, *, device: TOTPDevice | None = None) -> None:
    """The log-in page, then (for bank and regulator staff) the TOTP code of ``device``."""
    page.goto("/accounts/login/")
    control(page, "用户名").fill(username)
    control(page, "密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    if device is not None:
        expect(page.get_by_role("heading", name="双因素认证")).to_be_visible()
        control(page, "动态验证码").fill(current_code(device))
        page.get_by_role("button", name="验证", exact=True).click()
        expect(page.get_by_role("heading", name="双因素认证")).to_have_count(0)
    expect(page.get_by_role("button", name="退出")).to_be_visible()


@pytest.fixture
def stage(live_server, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stage]:
    executable = chromium_executable()
    # Playwright's sync API keeps an asyncio loop marked as running in this thread for as long
    # as it is started, so Django would refuse the test's own ORM calls (fixtures, checks)
    # as "async". Nothing runs concurrently on that loop: allowed for this test only.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=args)
        the_stage = Stage(browser, live_server.url, artefacts_dir())
        try:
            yield the_stage
        finally:
            the_stage.close()
            browser.close()
