"""Real-browser tests: Debian's chromium through chromedriver (Selenium), against a
``buzzwire web`` child process on a store database filled with a multilingual set of mentions.

Without chromium or chromedriver the tests fail under ``CI=true`` and are skipped (with the
reason) otherwise (``tests/ci.py``). Their screenshots go to ``BUZZWIRE_SCREENSHOTS_DIR``
(``make screenshots``: ``docs/images``), else to a folder under the system's temporary one, so
that a test run leaves the working tree as it found it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from streams.devstack.ports import free_port
from streams.devstack.workerproc import WorkerProcess
from tests.ci import require_file
from tests.databases import new_database
from tests.streams.web.support import (
    POSTS,
    add_users,
    crisis_alerts,
    web_process,
    write_alerts,
    write_posts,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SHOTS = Path(
    os.environ.get("BUZZWIRE_SCREENSHOTS_DIR")
    or Path(tempfile.gettempdir()) / "buzzwire-screenshots"
)
DESKTOP = (1280, 900)
PHONE = (375, 812)


@dataclass
class Site:
    url: str
    store: SecretStr
    tokens: dict[str, str]
    process: WorkerProcess


@pytest.fixture(scope="module")
def browser_paths() -> tuple[Path, Path]:
    require_file(CHROMIUM, "chromium (apt-get install chromium)")
    require_file(CHROMEDRIVER, "chromedriver (apt-get install chromium-driver)")
    return CHROMIUM, CHROMEDRIVER


@pytest.fixture(scope="module")
def site(
    browser_paths: tuple[Path, Path],
    postgres_server: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Site]:
    """A migrated store database of this module's own, seeded, and ``buzzwire web`` on it."""
    from streams.store.database import upgrade

    with new_database(postgres_server.url, "browser") as url:
        process = None
        try:
            upgrade(url)
            tokens = add_users(url)
            now = datetime.now(UTC)
            write_posts(url, POSTS, now)
            write_alerts(url, crisis_alerts(now))
            port = free_port()
            logs = tmp_path_factory.mktemp("web")
            process = web_process(url, logs / "web.log", port)
            process.start()
            process.wait_ready(timeout=60)
            yield Site(url=f"http://127.0.0.1:{port}", store=url, tokens=tokens, process=process)
        finally:
            if process is not None:
                process.stop(timeout=20)


@pytest.fixture
def browser(browser_paths: tuple[Path, Path], tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Opens headless chromium windows (``browser(width, height)``), each with a profile of
    its own (a separate session); all are closed at the end."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = browser_paths
    opened: list[Any] = []

    def open_window(width: int = DESKTOP[0], height: int = DESKTOP[1]) -> Any:
        options = Options()
        options.binary_location = str(chromium)
        profile = tmp_path / f"profile-{len(opened)}"
        for arg in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            "--lang=en-US",
        ):
            options.add_argument(arg)
        driver = webdriver.Chrome(service=Service(str(chromedriver)), options=options)
        driver.set_window_size(width, height)
        driver.set_page_load_timeout(30)
        driver.set_script_timeout(30)
        opened.append(driver)
        return driver

    try:
        yield open_window
    finally:
        for driver in opened:
            driver.quit()
