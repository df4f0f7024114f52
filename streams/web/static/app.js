/* buzzwire web: keyboard shortcuts, bulk selection, live updates (server-sent events) and
   announcements. Our own small script; every page works without it (forms post and redirect). */
(function () {
  "use strict";

  const live = document.getElementById("live");
  let announceTimer = null;

  /* Say something in the aria-live region (screen readers read it out). */
  function announce(message) {
    if (!live || !message) return;
    live.textContent = "";
    clearTimeout(announceTimer);
    announceTimer = setTimeout(function () { live.textContent = message; }, 50);
  }

  /* Times typed in datetime-local inputs are local: tell the server our offset. */
  function fillTimeZones(root) {
    const offset = String(new Date().getTimezoneOffset());
    root.querySelectorAll("input[data-tz]").forEach(function (input) {
      const form = input.form;
      const preset = form && Array.prototype.some.call(
        form.querySelectorAll("input[name=since], input[name=until]"),
        function (el) { return el.value; }
      );
      if (!preset) input.value = offset;
    });
  }

  /* --- bulk selection ---------------------------------------------------------------- */
  const selected = new Set();
  const bulk = document.getElementById("bulk");

  function updateBulk() {
    if (!bulk) return;
    bulk.hidden = selected.size === 0;
    const count = bulk.querySelector("[data-selected]");
    if (count) count.textContent = String(selected.size);
  }

  function restoreChecks(root) {
    root.querySelectorAll("input[name=items]").forEach(function (box) {
      box.checked = selected.has(box.value);
    });
  }

  document.addEventListener("change", function (event) {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || box.name !== "items") return;
    if (box.checked) selected.add(box.value); else selected.delete(box.value);
    updateBulk();
  });

  /* --- keyboard ------------------------------------------------------------------------ */
  function items() { return Array.prototype.slice.call(document.querySelectorAll(".item")); }

  function currentItem() {
    const active = document.activeElement;
    return active && active.closest ? active.closest(".item") : null;
  }

  function move(step) {
    const all = items();
    if (!all.length) return;
    const index = all.indexOf(currentItem());
    const next = index < 0 ? (step > 0 ? 0 : all.length - 1)
      : Math.min(all.length - 1, Math.max(0, index + step));
    all[next].focus();
    all[next].scrollIntoView({ block: "nearest" });
  }

  function press(action, missing) {
    const item = currentItem();
    if (!item) { announce("Move to an item first (j / k)."); return; }
    const button = item.querySelector('button[data-action="' + action + '"]');
    if (button) button.click(); else announce(missing);
  }

  const help = document.getElementById("help");
  function openHelp() {
    if (help && !help.open && help.showModal) help.showModal();
  }
  const helpButton = document.getElementById("help-button");
  if (helpButton) helpButton.addEventListener("click", openHelp);

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    const typing = target instanceof HTMLElement && (target.isContentEditable ||
      /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName));
    if (typing) {
      if (event.key === "Escape") target.blur();
      return;
    }
    if (help && help.open) return;
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "e": press("done", "This item is already done."); break;
      case "a": press("assign-me", "This item is already yours."); break;
      case "x": {
        const item = currentItem();
        const box = item && item.querySelector("input[name=items]");
        if (!box) return;
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
        announce(box.checked ? "Selected." : "Not selected.");
        break;
      }
      case "/": {
        const search = document.getElementById("f-q");
        if (!search) return;
        search.focus();
        search.select();
        break;
      }
      case "?": openHelp(); break;
      default: return;
    }
    event.preventDefault();
  });

  /* --- htmx: keep focus and selection across swaps, read out what happened ----------- */
  let focusedId = null;
  document.addEventListener("focusin", function () {
    const item = currentItem();
    focusedId = item ? item.id : null;
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    const root = event.target instanceof HTMLElement ? event.target : document.body;
    fillTimeZones(document);
    restoreChecks(document);
    if (focusedId && (document.activeElement === document.body || !document.activeElement)) {
      const again = document.getElementById(focusedId);
      if (again) again.focus();
    }
    void root;
  });

  document.addEventListener("buzzwire:announce", function (event) {
    const detail = event.detail || {};
    announce(detail.message || detail.value || "");
  });

  document.addEventListener("htmx:responseError", function (event) {
    const xhr = event.detail && event.detail.xhr;
    const text = xhr && xhr.responseText ? xhr.responseText : "";
    announce(xhr && xhr.status === 403 ? "Not allowed: " + text : "Not done: " + text);
  });

  /* --- live updates: server-sent events ------------------------------------------------ */
  const source = document.querySelector("[data-events]");
  if (source && window.EventSource) {
    const stream = new EventSource(source.getAttribute("data-events"));
    const banner = document.getElementById("new-mentions");
    const changedNotice = document.getElementById("item-changed");
    const me = document.body.getAttribute("data-user");

    stream.addEventListener("new", function (event) {
      const count = JSON.parse(event.data).count;
      if (!banner) return;
      banner.hidden = count === 0;
      banner.querySelector("[data-count]").textContent = String(count);
      if (count > 0) announce(count + (count === 1 ? " new mention." : " new mentions."));
    });

    stream.addEventListener("changed", function (event) {
      const changes = JSON.parse(event.data).changes || [];
      const refreshed = new Set();
      const byOthers = [];
      changes.forEach(function (change) {
        if (change.kind !== "mention") return;
        if (change.by !== me) byOthers.push(change);
        const row = document.getElementById(change.dom_id);
        if (!row || refreshed.has(change.dom_id) || !window.htmx) return;
        refreshed.add(change.dom_id);
        const next = encodeURIComponent(location.pathname + location.search);
        window.htmx.ajax("GET", change.row + "?next=" + next,
          { target: "#" + change.dom_id, swap: "outerHTML" });
      });
      if (byOthers.length) {
        const first = byOthers[0];
        const what = first.field === "note" ? "added a note"
          : "set " + first.field + " to " + (first.value === null ? "nobody" : first.value);
        announce((first.by || "Someone") + " " + what + " (" + first.brand + ")" +
          (byOthers.length > 1 ? " and " + (byOthers.length - 1) + " more changes." : "."));
        if (changedNotice) changedNotice.hidden = false;
      }
    });

    stream.addEventListener("signed_out", function () {
      stream.close();
      window.location.href = "/login";
    });
  }

  /* On a narrow screen the filters start folded, unless some are in use. */
  document.querySelectorAll("details[data-collapse-narrow]").forEach(function (box) {
    if (!box.hasAttribute("data-active") && window.matchMedia("(max-width: 47.99rem)").matches) {
      box.open = false;
    }
  });

  fillTimeZones(document);
  updateBulk();
})();
