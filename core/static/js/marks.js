/* Save-as-you-go for the judges' score sheet (templates/competitions/judging/sheet.html),
 * safe when the network drops.
 *
 * Every mark the judge enters is first written to the browser's localStorage (one list per
 * event and judge; each entry names the contestant's blind number, the aspect, the entry and
 * a fresh client key) and only then sent. It leaves the list when the server has answered:
 * stored, or refused with a reason. Sends go one after another in the order typed; a dropped
 * connection or a busy server is retried with the same client key after a growing pause (the
 * server applies a key once). A reload or a browser restart finds the list and sends what is
 * left. Every contestant of the module is on the page, so moving to the next contestant needs
 * no network. Leaving with unsent marks asks first; the page shows how many are waiting.
 *
 * Two devices of one judge: each save carries the value this device last knew as stored
 * ("base"); when another device had saved something else in between, the server says what
 * was replaced and the judge is told. A value acknowledged here and later changed elsewhere
 * is pointed out when the page is opened again.
 *
 * The form still works without this script: its buttons post every mark of the contestant.
 */
(function () {
  "use strict";
  var root = document.querySelector(".judge-sheets");
  if (!root || !window.fetch || !window.localStorage) { return; }
  var url = root.getAttribute("data-save-url");
  var token = root.querySelector("input[name=csrf_token]").value;
  var storeKey = "judge-marks:" + root.getAttribute("data-event") + ":" + root.getAttribute("data-judge");
  var badge = document.querySelector(".pending-count");
  var offlineNote = document.querySelector(".offline-note");
  var attempt = 0;
  var busy = false;
  var stalled = false;
  var timer = null;

  function msg(name) { return root.getAttribute("data-msg-" + name) || ""; }

  function load() {
    var state = null;
    try { state = JSON.parse(window.localStorage.getItem(storeKey)); } catch (e) { state = null; }
    if (!state || !Array.isArray(state.pending)) { state = {pending: [], known: {}}; }
    state.known = state.known || {};
    return state;
  }

  function persist(state) { window.localStorage.setItem(storeKey, JSON.stringify(state)); }

  function fieldName(blind, aspect, entry) { return blind + "|" + aspect + "|" + entry; }

  function fieldOf(blind, aspect, entry) {
    var panel = root.querySelector('.sheet-panel[data-blind="' + CSS.escape(blind) + '"]');
    if (!panel) { return null; }
    return panel.querySelector('.mark-field[data-aspect="' + aspect + '"][data-entry="' + entry + '"]');
  }

  function show(field, text, ok) {
    if (!field) { return; }
    var box = field.querySelector(".mark-error");
    box.textContent = text;
    box.classList.toggle("text-success", !!ok);
    var input = field.querySelector("input.form-control");
    if (input) { input.classList.toggle("is-invalid", !ok && !!text); }
  }

  function setValue(field, value) {
    var input = field.querySelector("input.form-control");
    if (input) { input.value = value; return; }
    field.querySelectorAll("input[type=radio]").forEach(function (radio) { radio.checked = radio.value === value; });
  }

  function render() {
    var count = load().pending.length;
    badge.hidden = count === 0;
    badge.textContent = badge.getAttribute("data-template").replace("__N__", count);
    offlineNote.hidden = navigator.onLine !== false;
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID().replace(/-/g, ""); }
    return Date.now().toString(16) + Math.random().toString(16).slice(2);
  }

  function later() {
    attempt += 1;
    window.clearTimeout(timer);
    timer = window.setTimeout(pump, Math.min(30000, 500 * Math.pow(2, attempt)));
  }

  function settle(item, data) {
    var state = load();
    state.pending = state.pending.filter(function (p) { return p.key !== item.key; });
    var name = fieldName(item.blind, item.aspect, item.entry);
    var field = fieldOf(item.blind, item.aspect, item.entry);
    var waiting = state.pending.some(function (p) { return fieldName(p.blind, p.aspect, p.entry) === name; });
    if (data.ok) {
      state.known[name] = data.value;
      if (field) { field.setAttribute("data-stored", data.value); }
      if (!waiting) {
        if (data.replaced !== undefined) {
          show(field, msg("replaced").replace("__OLD__", data.replaced).replace("__NEW__", data.value), false);
        } else {
          show(field, msg("saved"), true);
        }
      }
    } else if (!waiting) {
      show(field, data.error, false);
    }
    persist(state);
  }

  function pump() {
    if (busy || stalled) { render(); return; }
    var state = load();
    render();
    if (!state.pending.length) { attempt = 0; return; }
    var item = state.pending[0];
    var name = fieldName(item.blind, item.aspect, item.entry);
    var field = fieldOf(item.blind, item.aspect, item.entry);
    var base = state.known[name];
    if (base === undefined && field) { base = field.getAttribute("data-stored"); }
    var body = new FormData();
    body.append("csrf_token", token);
    body.append("blind_number", item.blind);
    body.append("aspect_id", item.aspect);
    body.append("entry", item.entry);
    body.append("value", item.value);
    body.append("client_key", item.key);
    if (base !== undefined && base !== null) { body.append("base", base); }
    busy = true;
    fetch(url, {method: "POST", body: body, credentials: "same-origin",
                headers: {"X-CSRFToken": token, "Accept": "application/json"}})
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.status === 404) { return {ok: false, error: msg("gone")}; }
        if (type.indexOf("application/json") === -1 || response.status === 400 || response.status === 403) {
          return {stall: true};
        }
        return response.json();
      })
      .then(function (data) {
        busy = false;
        if (data.stall) {
          // An expired page or session: retrying cannot help. The mark stays in the list and
          // is sent when the judge opens the page again after signing in.
          stalled = true;
          show(field, msg("refused"), false);
          render();
          return;
        }
        if (data.retry) { show(field, msg("retrying"), false); later(); return; }
        attempt = 0;
        settle(item, data);
        pump();
      }, function () {
        busy = false;
        show(field, msg("retrying"), false);
        render();
        later();
      });
  }

  function enqueue(blind, field, value) {
    var state = load();
    state.pending.push({key: newKey(), blind: blind, aspect: field.getAttribute("data-aspect"),
                        entry: field.getAttribute("data-entry"), value: value, at: Date.now()});
    persist(state);
    show(field, msg("queued"), true);
    pump();
  }

  function current(field) {
    var input = field.querySelector("input.form-control");
    if (input) { return input.readOnly ? null : input.value.trim(); }
    var checked = field.querySelector("input[type=radio]:checked");
    return checked && !checked.disabled ? checked.value : null;
  }

  function lastSent(blind, field) {
    var name = fieldName(blind, field.getAttribute("data-aspect"), field.getAttribute("data-entry"));
    var state = load();
    for (var i = state.pending.length - 1; i >= 0; i -= 1) {
      var p = state.pending[i];
      if (fieldName(p.blind, p.aspect, p.entry) === name) { return p.value; }
    }
    return state.known[name] !== undefined ? state.known[name] : field.getAttribute("data-stored");
  }

  root.addEventListener("change", function (event) {
    var field = event.target.closest(".mark-field");
    var form = event.target.closest("form.judge-sheet");
    if (!field || !form) { return; }
    var value = current(field);
    if (value) { enqueue(form.getAttribute("data-contestant"), field, value); }
  });

  function showPanel(blind, push) {
    var panel = root.querySelector('.sheet-panel[data-blind="' + CSS.escape(blind) + '"]');
    if (!panel) { return false; }
    root.querySelectorAll(".sheet-panel").forEach(function (p) { p.hidden = p !== panel; });
    document.querySelectorAll(".current-blind").forEach(function (el) { el.textContent = blind; });
    document.title = panel.getAttribute("data-title");
    if (push) { window.history.pushState({blind: blind}, "", panel.getAttribute("data-url")); }
    window.scrollTo(0, 0);
    return true;
  }

  root.addEventListener("click", function (event) {
    var link = event.target.closest("a.sheet-nav");
    if (link && showPanel(link.getAttribute("data-blind"), true)) { event.preventDefault(); }
  });

  root.addEventListener("submit", function (event) {
    var form = event.target;
    event.preventDefault();
    var blind = form.getAttribute("data-contestant");
    form.querySelectorAll(".mark-field").forEach(function (field) {
      var value = current(field);
      if (value && value !== lastSent(blind, field)) { enqueue(blind, field, value); }
    });
    var go = event.submitter && event.submitter.name === "go" ? event.submitter.value : null;
    if (go) { showPanel(go, true); }
  });

  window.addEventListener("popstate", function (event) {
    if (event.state && event.state.blind) { showPanel(event.state.blind, false); }
  });
  window.history.replaceState({blind: root.querySelector(".sheet-panel:not([hidden])")
    ? root.querySelector(".sheet-panel:not([hidden])").getAttribute("data-blind") : null}, "");

  window.addEventListener("beforeunload", function (event) {
    if (load().pending.length) {
      event.preventDefault();
      event.returnValue = msg("leave");
      return msg("leave");
    }
  });
  window.addEventListener("online", function () { attempt = 0; window.clearTimeout(timer); pump(); });
  window.addEventListener("offline", render);

  // Opening the page: show what is still waiting in the fields, point out values changed on
  // another device since this one saved them, then send what is waiting.
  (function restore() {
    var state = load();
    var waiting = {};
    state.pending.forEach(function (p) { waiting[fieldName(p.blind, p.aspect, p.entry)] = p.value; });
    root.querySelectorAll(".sheet-panel").forEach(function (panel) {
      var blind = panel.getAttribute("data-blind");
      panel.querySelectorAll(".mark-field").forEach(function (field) {
        var name = fieldName(blind, field.getAttribute("data-aspect"), field.getAttribute("data-entry"));
        var stored = field.getAttribute("data-stored");
        if (waiting[name] !== undefined) {
          setValue(field, waiting[name]);
          show(field, msg("queued"), true);
        } else if (state.known[name] !== undefined && stored !== "" && state.known[name] !== stored) {
          show(field, msg("changed-elsewhere").replace("__OLD__", state.known[name]).replace("__NEW__", stored), false);
          state.known[name] = stored;
        }
      });
    });
    persist(state);
  }());
  pump();
}());
