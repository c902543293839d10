/* Save-as-you-go for the judges' score sheet (templates/competitions/judging/sheet.html).
 *
 * Each change of a mark is posted at once with the page's CSRF token and a fresh client key;
 * saves of one field go one after another, and a failed request (a dropped connection) is
 * retried with the same key, so the server applies it exactly once. The form still works
 * without this script: the "保存" button posts every mark.
 */
(function () {
  "use strict";
  var form = document.querySelector("form.judge-sheet");
  if (!form || !window.fetch) { return; }
  var url = form.getAttribute("data-save-url");
  var contestant = form.getAttribute("data-contestant");
  var token = form.querySelector("input[name=csrf_token]").value;
  // Messages come from the page, so they follow the chosen language.
  var saved = form.getAttribute("data-msg-saved");
  var retrying = form.getAttribute("data-msg-retrying");
  var refused = form.getAttribute("data-msg-refused");
  var queues = {};

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID().replace(/-/g, ""); }
    return Date.now().toString(16) + Math.random().toString(16).slice(2);
  }

  function show(field, text, ok) {
    var box = field.querySelector(".mark-error");
    box.textContent = text;
    box.classList.toggle("text-success", !!ok);
    var input = field.querySelector("input.form-control");
    if (input) { input.classList.toggle("is-invalid", !ok && !!text); }
  }

  function send(field, body, attempt) {
    return fetch(url, {method: "POST", body: body, credentials: "same-origin",
                       headers: {"X-CSRFToken": token, "Accept": "application/json"}})
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          // An error page or the login page (session ended, form expired): retrying the same
          // request cannot help. Tell the judge to reload; the typed value stays in the field.
          show(field, refused, false);
          return;
        }
        return response.json().then(function (data) {
          show(field, data.ok ? saved : data.error, data.ok);
        });
      }, function () {
        throw new Error("network");
      })
      .catch(function () {
        show(field, retrying, false);
        return new Promise(function (resolve) { setTimeout(resolve, Math.min(30000, 1000 * Math.pow(2, attempt))); })
          .then(function () { return send(field, body, attempt + 1); });
      });
  }

  function save(field, value) {
    var aspect = field.getAttribute("data-aspect");
    var entry = field.getAttribute("data-entry");
    var body = new FormData();
    body.append("csrf_token", token);
    body.append("contestant_id", contestant);
    body.append("aspect_id", aspect);
    body.append("entry", entry);
    body.append("value", value);
    body.append("client_key", newKey());
    var name = aspect + "-" + entry;
    queues[name] = (queues[name] || Promise.resolve()).then(function () { return send(field, body, 0); });
  }

  form.addEventListener("change", function (event) {
    var input = event.target;
    var field = input.closest(".mark-field");
    if (!field || input.readOnly || input.disabled || input.value.trim() === "") { return; }
    save(field, input.value.trim());
  });
}());
