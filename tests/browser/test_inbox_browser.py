"""The response inbox in a real browser (headless chromium): sign in, the ranked inbox, a
filter, keyboard actions (assign, done), snooze, another session's live view, brand scope, the
viewer, CSRF; screenshots for docs/web.md (desktop, a 375 px phone, the alerts)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.browser.conftest import DESKTOP, PHONE, SHOTS, Site
from tests.streams.web.support import PASSWORD, POSTS

pytestmark = pytest.mark.timeout(300)


def _by() -> Any:
    from selenium.webdriver.common.by import By

    return By


def sign_in(driver: Any, site: Site, name: str) -> None:
    by = _by()
    driver.get(f"{site.url}/inbox")
    assert "/login" in driver.current_url  # not signed in: sent to the sign-in page
    driver.find_element(by.ID, "name").send_keys(name)
    driver.find_element(by.ID, "password").send_keys(PASSWORD)
    driver.find_element(by.CSS_SELECTOR, "form[action='/login'] button[type=submit]").click()
    wait_for(lambda: driver.current_url.endswith("/inbox"), "the inbox after sign-in")
    wait_for(lambda: driver.execute_script("return !!window.htmx"), "htmx loaded")


def wait_for(check: Callable[[], Any], what: str, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            found = check()
            if found:
                return found
        except Exception as exc:  # an element replaced while we looked at it
            last = exc
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} ({last!r})")


def item_ids(driver: Any) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('li.item')).map(e => e.dataset.mention)"
    )


def row(driver: Any, mention_id: str) -> Any:
    by = _by()
    return driver.find_element(by.CSS_SELECTOR, f"li.item[data-mention='{mention_id}']")


def row_status(driver: Any, mention_id: str) -> str:
    return driver.execute_script(
        "const r = document.querySelector(`li.item[data-mention='${arguments[0]}']`);"
        "return r ? r.querySelector('[data-status]').dataset.status : null;",
        mention_id,
    )


def row_assignee(driver: Any, mention_id: str) -> str:
    return driver.execute_script(
        "const r = document.querySelector(`li.item[data-mention='${arguments[0]}']`);"
        "return r ? r.querySelector('.assignee').textContent.trim() : null;",
        mention_id,
    )


def api_order(site: Site, name: str) -> list[str]:
    response = httpx.get(
        f"{site.url}/api/inbox",
        headers={"Authorization": f"Bearer {site.tokens[name]}"},
        timeout=10,
    )
    response.raise_for_status()
    return [item["id"] for item in response.json()["items"]]


def press(driver: Any, keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(keys).perform()


def focus_item(driver: Any, mention_id: str) -> None:
    """Move to an item with j, as a person would."""
    for _ in range(30):
        if (
            driver.execute_script(
                "return document.activeElement && document.activeElement.dataset.mention"
            )
            == mention_id
        ):
            return
        press(driver, "j")
    raise AssertionError(f"j never reached {mention_id}")


def test_sign_in_and_the_ranked_untagged_inbox(browser: Callable[..., Any], site: Site) -> None:
    driver = browser(*DESKTOP)
    sign_in(driver, site, "ana")
    shown = item_ids(driver)
    untagged = {p.id for p in POSTS if p.brand == "acme" and not p.tagged}
    assert set(shown) == untagged  # no tagged post, no other brand
    assert shown == api_order(site, "ana")  # in priority order
    assert shown.index("acme-1") < shown.index("acme-10")
    by = _by()
    first = row(driver, shown[0])
    assert "Why it ranks here" in first.text and "Suggested answer" in first.text
    link = first.find_element(by.PARTIAL_LINK_TEXT, "Original post")
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert link.get_attribute("target") == "_blank"
    # the keyboard help
    press(driver, "?")
    wait_for(lambda: driver.find_element(by.ID, "help").get_attribute("open") is not None, "help")
    assert "assign the item to me" in driver.find_element(by.ID, "help").text
    press(driver, "\ue00c")  # Escape closes it
    wait_for(lambda: driver.find_element(by.ID, "help").get_attribute("open") is None, "closed")
    # screenshots for the docs
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / "inbox.png"))


def test_filter_by_language(browser: Callable[..., Any], site: Site) -> None:
    from selenium.webdriver.support.ui import Select

    by = _by()
    driver = browser(*DESKTOP)
    sign_in(driver, site, "ana")
    Select(driver.find_element(by.ID, "f-lang")).select_by_value("de")
    driver.find_element(by.CSS_SELECTOR, "form.filters button[type=submit]").click()
    wait_for(lambda: "lang=de" in driver.current_url, "the filtered inbox")
    assert item_ids(driver) == ["acme-4"]
    assert "Warum funktioniert die Acme App" in row(driver, "acme-4").text
    # / focuses the search
    driver.find_element(by.TAG_NAME, "body").click()
    press(driver, "/")
    assert driver.switch_to.active_element.get_attribute("id") == "f-q"


def test_actions_and_a_second_session_sees_them_live(
    browser: Callable[..., Any], site: Site
) -> None:
    by = _by()
    watcher = browser(*DESKTOP)
    sign_in(watcher, site, "ben")
    watcher.execute_script("window.__notReloaded = true")
    assert row_status(watcher, "acme-2") == "open"

    worker = browser(*DESKTOP)
    sign_in(worker, site, "ana")
    # assign with "a" and mark done with "e", from the keyboard
    focus_item(worker, "acme-2")
    press(worker, "a")
    wait_for(lambda: row_assignee(worker, "acme-2") == "ana", "acme-2 assigned to ana")
    # the new row keeps the focus
    wait_for(
        lambda: worker.execute_script("return document.activeElement.dataset.mention") == "acme-2",
        "the focus back on acme-2",
    )
    press(worker, "e")
    wait_for(lambda: row_status(worker, "acme-2") == "done", "acme-2 done")
    # the live region said so
    wait_for(lambda: "acme/acme-2" in worker.find_element(by.ID, "live").text, "announced")
    # snooze another one with the form
    snooze_row = row(worker, "acme-6")
    snooze_row.find_element(by.CSS_SELECTOR, "details.more > summary").click()
    field = snooze_row.find_element(by.CSS_SELECTOR, "input[name=snoozed_until]")
    worker.execute_script(
        "const d = new Date(Date.now() + 3 * 3600e3);"
        "const pad = n => String(n).padStart(2, '0');"
        "arguments[0].value = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}"
        "T${pad(d.getHours())}:${pad(d.getMinutes())}`;",
        field,
    )
    snooze_row.find_element(by.CSS_SELECTOR, "button[data-action=snooze]").click()
    wait_for(lambda: row_status(worker, "acme-6") == "snoozed", "acme-6 snoozed")

    # ben's page, never reloaded, shows all of it within a few seconds
    wait_for(lambda: row_status(watcher, "acme-2") == "done", "live: acme-2 done", timeout=15)
    wait_for(lambda: row_assignee(watcher, "acme-2") == "ana", "live: acme-2 ana", timeout=15)
    wait_for(lambda: row_status(watcher, "acme-6") == "snoozed", "live: acme-6", timeout=15)
    assert watcher.execute_script("return window.__notReloaded === true")
    wait_for(lambda: "ana" in watcher.find_element(by.ID, "live").text, "read out to ben")
    # after a reload, done and snoozed items have left ben's open inbox
    watcher.refresh()
    shown = item_ids(watcher)
    assert "acme-2" not in shown and "acme-6" not in shown


def test_an_agent_cannot_reach_another_brand(browser: Callable[..., Any], site: Site) -> None:
    by = _by()
    driver = browser(*DESKTOP)
    sign_in(driver, site, "ana")
    driver.get(f"{site.url}/mentions/globex/globex-1")
    assert driver.find_element(by.TAG_NAME, "h1").text == "Not found"
    assert "Globex lost my parcel" not in driver.page_source
    status = driver.execute_script("return fetch('/mentions/globex/globex-1').then(r => r.status)")
    assert status == 404
    fetch_api = (
        "return fetch(arguments[0], {headers: {Authorization: 'Bearer ' + arguments[1]}})"
        ".then(r => r.status)"
    )
    token = site.tokens["ana"]
    assert driver.execute_script(fetch_api, "/api/mentions/globex/globex-1", token) == 404
    assert driver.execute_script(fetch_api, "/api/mentions/acme/acme-1", token) == 200
    assert driver.execute_script(fetch_api, "/api/inbox?brand=globex", token) == 404
    # the session cookie alone is no API credential
    assert driver.execute_script("return fetch('/api/inbox').then(r => r.status)") == 401


def test_a_viewer_has_no_controls_and_a_forged_post_is_refused(
    browser: Callable[..., Any], site: Site
) -> None:
    by = _by()
    driver = browser(*DESKTOP)
    sign_in(driver, site, "vera")
    assert item_ids(driver)
    assert not driver.find_elements(by.CSS_SELECTOR, "[data-action]")
    assert not driver.find_elements(by.ID, "bulk")
    assert not driver.find_elements(by.CSS_SELECTOR, "input[name=items]")
    forged = driver.execute_script(
        "const token = document.querySelector('input[name=csrf_token]').value;"
        "const body = new URLSearchParams({status: 'done', csrf_token: token});"
        "return fetch('/mentions/acme/acme-1', {method: 'POST', body: body})"
        ".then(async r => [r.status, await r.text()]);"
    )
    assert forged[0] == 403 and "viewer" in forged[1]
    driver.refresh()
    assert row_status(driver, "acme-1") == "open"


def test_a_form_without_its_csrf_token_is_refused(browser: Callable[..., Any], site: Site) -> None:
    by = _by()
    driver = browser(*DESKTOP)
    sign_in(driver, site, "ana")
    driver.execute_script(
        "const form = document.querySelector("
        "  \"li.item[data-mention='acme-3'] .actions form\");"
        "form.querySelector('input[name=csrf_token]').remove();"
        "const status = document.createElement('input');"
        "status.type = 'hidden'; status.name = 'status'; status.value = 'dismissed';"
        "form.appendChild(status);"
        "form.submit();"  # a plain submit: no htmx, no header
    )
    wait_for(lambda: driver.find_element(by.TAG_NAME, "h1").text == "Not allowed", "403 page")
    assert "security token" in driver.find_element(by.CSS_SELECTOR, "p.error").text
    driver.get(f"{site.url}/inbox")
    assert row_status(driver, "acme-3") == "open"


def test_select_with_x_and_a_bulk_action(browser: Callable[..., Any], site: Site) -> None:
    from selenium.webdriver.support.ui import Select

    by = _by()
    driver = browser(*DESKTOP)
    sign_in(driver, site, "ana")
    bar = driver.find_element(by.ID, "bulk")
    assert not bar.is_displayed()
    for mention in ("acme-8", "acme-10"):
        focus_item(driver, mention)
        press(driver, "x")
    wait_for(bar.is_displayed, "the bulk bar")
    assert bar.find_element(by.CSS_SELECTOR, "[data-selected]").text == "2"
    Select(driver.find_element(by.ID, "bulk-action")).select_by_value("dismissed")
    bar.find_element(by.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(lambda: "acme-8" not in item_ids(driver), "the dismissed items gone")
    assert "acme-10" not in item_ids(driver)
    driver.get(f"{site.url}/inbox?status=dismissed")
    assert set(item_ids(driver)) >= {"acme-8", "acme-10"}


def test_phone_width_and_the_alerts_page(browser: Callable[..., Any], site: Site) -> None:
    by = _by()
    phone = browser(*DESKTOP)
    phone.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 2, "mobile": True},
    )
    sign_in(phone, site, "ana")
    assert phone.execute_script("return window.innerWidth") == PHONE[0]
    # one column, nothing wider than the screen
    overflow = phone.execute_script(
        "return document.documentElement.scrollWidth - window.innerWidth"
    )
    assert overflow <= 0, overflow
    first = row(phone, item_ids(phone)[0])
    assert first.size["width"] <= PHONE[0]
    text_size = phone.execute_script(
        "return parseFloat(getComputedStyle(document.querySelector('li.item .text')).fontSize)"
    )
    assert text_size >= 16
    # with nothing selected the bulk bar is out of the way; x on an item brings it
    assert not phone.find_element(by.ID, "bulk").is_displayed()
    phone.save_screenshot(str(SHOTS / "inbox-phone.png"))

    admin = browser(*DESKTOP)
    sign_in(admin, site, "root")
    admin.get(f"{site.url}/alerts")
    main = admin.find_element(by.ID, "main").text
    assert "acme: negative surge" in main and "globex: volume spike" in main
    admin.save_screenshot(str(SHOTS / "alerts.png"))

    desk = browser(*DESKTOP)
    sign_in(desk, site, "ana")
    desk.get(f"{site.url}/alerts")
    assert "globex" not in desk.find_element(by.ID, "main").text
    desk.find_element(by.PARTIAL_LINK_TEXT, "acme: negative surge").click()
    wait_for(lambda: "Timeline" in desk.page_source, "the thread")
    desk.find_element(by.CSS_SELECTOR, "form.actions button[type=submit]").click()
    wait_for(lambda: "Acknowledged by ana" in desk.page_source, "acknowledged")
    desk.find_element(by.PARTIAL_LINK_TEXT, "Open its posts in the inbox").click()
    wait_for(lambda: "brand=acme" in desk.current_url, "the crisis's posts")
    assert "acme-1" in item_ids(desk)
