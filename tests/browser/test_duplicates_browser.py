"""Near-duplicate copies in the inbox, in a real browser (headless chromium) at a phone's
width: a copy says "copy · N similar", the keyboard hides copies with the filter, and the
badge's link lists the cluster."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.browser.conftest import DESKTOP, PHONE, Site
from tests.browser.test_inbox_browser import _by, item_ids, row, sign_in, wait_for
from tests.streams.web.support import write_clusters

pytestmark = pytest.mark.timeout(300)


def _keys() -> Any:
    from selenium.webdriver.common.keys import Keys

    return Keys


def test_copies_on_a_phone_hidden_with_the_keyboard(
    browser: Callable[..., Any], site: Site
) -> None:
    by, keys = _by(), _keys()
    # acme's copy-paste complaint: its first post and two copies (new posts of acme only)
    write_clusters(site.store, datetime.now(UTC), brand="acme")
    phone = browser(*DESKTOP)
    phone.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 2, "mobile": True},
    )
    sign_in(phone, site, "ana")
    assert {"acme-11", "acme-12", "acme-13"} <= set(item_ids(phone))
    badge = row(phone, "acme-12").find_element(by.CSS_SELECTOR, ".badge.duplicate")
    assert badge.text == "copy · 2 similar"
    assert row(phone, "acme-11").find_element(by.CSS_SELECTOR, ".badge.duplicate").text == (
        "2 similar"
    )
    # on the phone, nothing wider than the screen
    assert (
        phone.execute_script("return document.documentElement.scrollWidth - window.innerWidth") <= 0
    )

    # the keyboard alone: open the filters, choose "hide copies", submit
    summary = phone.find_element(by.CSS_SELECTOR, "details.more-filters > summary")
    summary.send_keys(keys.ENTER)
    copies = phone.find_element(by.ID, "f-copies")
    wait_for(copies.is_displayed, "the filters open")
    copies.send_keys(keys.ARROW_DOWN)
    assert phone.execute_script("return document.getElementById('f-copies').value") == "hide"
    phone.find_element(by.CSS_SELECTOR, "form.filters button[type=submit]").send_keys(keys.ENTER)
    wait_for(lambda: "copies=hide" in phone.current_url, "the filtered inbox")
    shown = set(item_ids(phone))
    assert "acme-11" in shown and not shown & {"acme-12", "acme-13"}

    # the original's badge lists its cluster (keyboard: Enter on the link)
    link = row(phone, "acme-11").find_element(by.CSS_SELECTOR, ".badge.duplicate")
    link.send_keys(keys.ENTER)
    wait_for(lambda: "cluster=5" in phone.current_url, "the cluster's posts")
    assert set(item_ids(phone)) == {"acme-11", "acme-12", "acme-13"}
    assert "near-duplicates" in phone.find_element(by.ID, "cluster-notice").text
