"""The Trends page in a real browser (headless chromium): every chart drawn by the vendored
Chart.js with data from a synthetic 15-month history, its table behind a button that the
keyboard reaches, the period chosen with the keyboard, no script or style refused by the
Content-Security-Policy, a 375 px phone; screenshots for docs/web.md (docs/images/trends.png,
trends-phone.png)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from streams.devstack.ports import free_port
from streams.devstack.trends_history import history
from tests.browser.conftest import PHONE, SHOTS, Site
from tests.browser.test_inbox_browser import sign_in, wait_for
from tests.databases import new_database
from tests.streams.web.support import add_users, web_process, write_history

pytestmark = pytest.mark.timeout(300)

CHARTS = [
    "volume",
    "growth",
    "share-of-voice",
    "net-sentiment",
    "departments",
    "department-negative",
]

#: Before any script of the page runs: count the Content-Security-Policy's refusals.
WATCH_CSP = (
    "window.__cspViolations = [];"
    "document.addEventListener('securitypolicyviolation',"
    " e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
)


@pytest.fixture(scope="module")
def trends_site(
    browser_paths: Any, postgres_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    from streams.store.database import upgrade

    with new_database(postgres_server.url, "browsertrends") as url:
        process = None
        try:
            upgrade(url)
            tokens = add_users(url)
            write_history(url, history(datetime.now(UTC), days=460, scale=0.2))
            port = free_port()
            process = web_process(url, tmp_path_factory.mktemp("web") / "web.log", port)
            process.start()
            process.wait_ready(timeout=60)
            yield Site(url=f"http://127.0.0.1:{port}", store=url, tokens=tokens, process=process)
        finally:
            if process is not None:
                process.stop(timeout=20)


def _watch_csp(driver: Any) -> None:
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH_CSP})


def _drawn(driver: Any) -> dict[str, list[int]]:
    """Each drawn chart's id -> how many values each of its datasets holds (Chart.js's own
    state, read from the canvas)."""
    found: dict[str, list[int]] = driver.execute_script(
        "const out = {};"
        "for (const f of document.querySelectorAll('figure.chart[data-drawn]')) {"
        "  const chart = window.Chart.getChart(f.querySelector('canvas'));"
        "  out[f.id] = chart.data.datasets.map("
        "    d => d.data.filter(v => v !== null && v !== undefined).length);"
        "}"
        "return out;"
    )
    return found


def test_the_trends_page_draws_its_charts(browser: Callable[..., Any], trends_site: Site) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver = browser(1280, 900)
    _watch_csp(driver)
    sign_in(driver, trends_site, "ana")  # an agent of acme
    driver.get(f"{trends_site.url}/trends")
    wait_for(lambda: len(_drawn(driver)) == len(CHARTS), "every chart drawn")
    drawn = _drawn(driver)
    assert sorted(drawn) == sorted(CHARTS)
    for fid, counts in drawn.items():
        assert counts and all(n > 0 for n in counts), (fid, counts)
        box = driver.find_element(By.CSS_SELECTOR, f"#{fid} canvas").size
        assert box["width"] > 300 and box["height"] > 150, (fid, box)
    assert drawn["volume"][0] == 14  # 13 complete weeks and this one
    assert driver.execute_script("return window.__cspViolations") == []

    # each chart's table: hidden from the eye only, and a button away
    table = driver.find_element(By.ID, "volume-table")
    assert "visually-hidden" in table.get_attribute("class")
    assert table.find_elements(By.CSS_SELECTOR, "tbody tr")
    button = driver.find_element(By.CSS_SELECTOR, "#volume button.show-table")
    assert button.get_attribute("aria-expanded") == "false"
    button.send_keys(Keys.ENTER)
    wait_for(lambda: button.get_attribute("aria-expanded") == "true", "the table shown")
    assert "visually-hidden" not in table.get_attribute("class") and table.is_displayed()
    button.send_keys(Keys.SPACE)
    wait_for(lambda: button.get_attribute("aria-expanded") == "false", "the table folded")

    # the period with the keyboard: the select, then its form's button
    period = driver.find_element(By.ID, "period")
    period.send_keys("Month")
    period.send_keys(Keys.TAB)
    assert driver.switch_to.active_element.text == "Show"
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(lambda: "period=month" in driver.current_url, "the months")
    wait_for(lambda: len(_drawn(driver)) == len(CHARTS), "every chart drawn again")
    assert _drawn(driver)["volume"][0] == 13  # 12 complete months and this one
    assert "Month 20" in driver.find_element(By.ID, "headline-title").text

    # the screenshot of the docs: weeks, the page's top with its first charts
    driver.set_window_size(1280, 2000)
    driver.get(f"{trends_site.url}/trends")
    wait_for(lambda: len(_drawn(driver)) == len(CHARTS), "every chart drawn")
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / "trends.png"))


def test_the_trends_page_on_a_phone(browser: Callable[..., Any], trends_site: Site) -> None:
    phone = browser(*PHONE)
    phone.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 2, "mobile": True},
    )
    sign_in(phone, trends_site, "vera")  # a viewer reads trends too
    phone.get(f"{trends_site.url}/trends?period=quarter")
    wait_for(lambda: len(_drawn(phone)) == len(CHARTS), "every chart drawn")
    assert phone.execute_script("return window.innerWidth") == PHONE[0]
    overflow = phone.execute_script(
        "return document.documentElement.scrollWidth - window.innerWidth"
    )
    assert overflow <= 0, overflow
    widths = phone.execute_script(
        "return Array.from(document.querySelectorAll('figure.chart canvas'))"
        ".map(c => c.getBoundingClientRect().width)"
    )
    assert all(200 < w <= PHONE[0] for w in widths), widths
    phone.save_screenshot(str(SHOTS / "trends-phone.png"))
