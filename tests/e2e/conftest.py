"""End-to-end tests: a real browser (Debian's Chromium, driven by Playwright) against the real
platform, started as `make run` starts it (embedded PostgreSQL and Redis, a Celery worker and beat,
uvicorn, the demo province seeded) in a folder of its own under var/e2e, with the fake LLM from
tests/fakes as its model provider.

The platform starts once for this package and stops after its last test. The web app must be built
first (`make frontend`, which `make test` runs).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.fakes.fake_llm import FakeLLM

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = Path(os.environ.get("BUREAU_CHROMIUM", "/usr/bin/chromium"))
PASSWORD = "Bureau@2026"

# The demo province's people (bureau/tenancy/management/commands/seed_demo.py).
BUILDER = "xaydung.tuphap@bureau.local"
MEMBER = "canbo.tuphap@bureau.local"
OTHER_DEPARTMENT_MEMBER = "canbo.noivu@bureau.local"
AUDITOR = "kiemtoan@bureau.local"
ORG_ADMIN = "admin@bureau.local"
DEPT_ADMIN = "truongphong.tuphap@bureau.local"


@dataclass
class Site:
    url: str
    llm: FakeLLM


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="package")
def site() -> Iterator[Site]:
    if not (ROOT / "frontend" / "dist" / "index.html").exists():
        pytest.fail("The web app is not built: run `make frontend` (make test does) before the e2e tests.")
    if not CHROMIUM.exists():
        pytest.skip(f"No Chromium at {CHROMIUM}: install Debian's chromium (make test does, as root).")
    var = ROOT / "var" / "e2e"
    shutil.rmtree(var, ignore_errors=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with FakeLLM(api_key="sk-e2e") as llm:
        env = {
            k: v
            for k, v in os.environ.items()
            if k
            not in {
                "DATABASE_URL",
                "REDIS_URL",
                "PYTEST_CURRENT_TEST",
                "BUREAU_TESTING",
                "DJANGO_SETTINGS_MODULE",
            }
        } | {
            "BUREAU_VAR_DIR": str(var),
            "BUREAU_PORT": str(port),
            "OPENAI_BASE_URL": llm.base_url,
            "OPENAI_API_KEY": "sk-e2e",
            "OPENAI_CHAT_MODEL": "fake-chat",
        }
        log = (ROOT / "var" / "e2e-runner.log").open("wb")
        runner = subprocess.Popen(
            [sys.executable, "-m", "bureau.embedded", "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 300
            while not _ready(url):
                if runner.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("The platform did not start; see var/e2e-runner.log")
                time.sleep(0.5)
            with urllib.request.urlopen(f"{url}/api/docs/", timeout=30) as docs:
                assert docs.status == 200
            yield Site(url=url, llm=llm)
        finally:
            runner.send_signal(signal.SIGINT)
            try:
                runner.wait(timeout=120)
            except subprocess.TimeoutExpired:
                runner.kill()
            log.close()
        _check_the_runner_stopped_cleanly(runner, var, url)


def _check_the_runner_stopped_cleanly(runner: subprocess.Popen[bytes], var: Path, url: str) -> None:
    """`make run` from nothing (an empty var folder) ends on Ctrl-C with exit code 0, having printed
    the demo logins, and stops the PostgreSQL and Redis it started while their data stays for the
    next run. Checked here, on the platform these tests started, rather than by starting another."""
    from bureau import embedded

    output = (ROOT / "var" / "e2e-runner.log").read_text(errors="replace")
    assert runner.returncode == 0, output[-4000:]
    assert "admin@bureau.local" in output and "Bureau: stopped." in output, output[-4000:]
    # the console said how far the demo knowledge's indexing had got (knowledge_progress)
    assert "Bureau: indexing the knowledge bases:" in output or "knowledge bases are indexed" in output
    os.environ["BUREAU_VAR_DIR"] = str(var)
    try:
        assert not embedded.postgres_running()
        assert not embedded.redis_running()
    finally:
        del os.environ["BUREAU_VAR_DIR"]
    assert (var / "pgdata" / "PG_VERSION").exists()
    assert not _ready(url)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium, never a downloaded browser; without background networking, which this
    machine's closed network would refuse at every start."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1366, "height": 860}, "locale": "vi-VN"}


# --- helpers the journeys share ---------------------------------------------------------------------


def sign_in(page: Any, site: Site, email: str, *, language: str = "vi") -> None:
    page.goto(f"{site.url}/login")
    page.evaluate(f"localStorage.setItem('bureau.language', '{language}')")
    page.reload()
    page.get_by_label("Thư điện tử" if language == "vi" else "Email").fill(email)
    page.get_by_label("Mật khẩu" if language == "vi" else "Password").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập" if language == "vi" else "Sign in").click()
    page.wait_for_url("**/chat**")
    page.get_by_role("navigation").first.wait_for()


def sign_out(page: Any) -> None:
    page.context.clear_cookies()
    page.evaluate("localStorage.clear()")


def screenshot(page: Any, name: str) -> Path:
    """A full-page picture of a screen, in var/screenshots/ (the issue asks for one per main screen)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# No finite animation or transition running (a spinner's endless one does not count).
SETTLED = """() => document.getAnimations().every(
    (a) => a.playState !== "running" || a.effect?.getTiming().iterations === Infinity)"""


def settled(page: Any) -> None:
    """Waits until what opens or closes has finished moving. Typing into a dialog that is still
    opening, or beside a drawer that is still closing, can lose the keys: when its motion ends the
    dialog moves the focus (into itself, or back to the button that opened it), and a key pressed
    just then goes there, not to the field. A person does not type that fast; a test does."""
    page.wait_for_function(SETTLED, timeout=10_000)


def assert_accessible(page: Any, screen: str) -> None:
    """axe-core over the page as it is: no serious or critical violation. It runs once what fades
    in or out has settled (axe measures a half-transparent text's contrast as it is at that moment),
    and leaves out the passing toasts ("Đã lưu."), which come and go on their own."""
    from axe_playwright_python.sync_playwright import Axe

    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(SETTLED, timeout=5000)
    results = Axe().run(page, context={"exclude": [[".ant-message"], [".ant-notification"]]})
    bad = [v for v in results.response["violations"] if v.get("impact") in {"serious", "critical"}]
    summary = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in bad
    ]
    assert not bad, (
        f"accessibility violations on {screen}: {json.dumps(summary, ensure_ascii=False, indent=1)}"
    )


def _catalog(language: str) -> set[str]:
    texts: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            texts.add(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    for file in (ROOT / "frontend" / "src" / "i18n" / "locales" / language).glob("*.json"):
        walk(json.loads(file.read_text(encoding="utf-8")))
    return texts


# Assistants' names, departments, descriptions and starters are data, in whatever language their
# authors wrote them (the builder test makes some from the Vietnamese templates).
ASSISTANT_DATA = (
    ".chat-assistant-name, .chat-assistant-card .ant-tag, .chat-assistant-description, .chat-starter"
)


def ui_strings_of_other_language(page: Any, language: str, *, data: str | None = None) -> list[str]:
    """Interface texts of the other language visible on the page: e.g. Vietnamese UI strings on an
    English screen. Texts written the same in both languages (names, "Bureau") do not count, nor do
    texts with placeholders, which never appear verbatim. `data`: a CSS selector of elements that show
    data rather than interface (a table of audit events), left out."""
    other = "en" if language == "vi" else "vi"
    own = _catalog(language)
    candidates = {t for t in _catalog(other) - own if len(t) >= 4 and "{{" not in t}
    if data is None:
        body = page.inner_text("body")
    else:  # leave out what shows data (names people gave things), which may be in either language
        body = page.evaluate(
            "(sel) => { const c = document.body.cloneNode(true);"
            " c.querySelectorAll(sel).forEach((e) => e.remove()); return c.textContent; }",
            data,
        )
    return sorted(t for t in candidates if re.search(rf"(?<!\w){re.escape(t)}(?!\w)", body))
