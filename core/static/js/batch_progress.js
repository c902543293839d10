/* Live progress of a certificate batch (templates/certificates/batches/detail.html).
 *
 * While the batch is queued or running, the page's status URL is polled every few seconds and
 * the figures are updated in place; when the batch stops running (done, failed, interrupted)
 * the page is reloaded once, so it shows the ZIP link or the "继续" button. Without this script
 * the page still works: the "刷新" link reloads it.
 */
(function () {
  "use strict";
  var box = document.getElementById("batch-progress");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  if (!url) { return; }
  var INTERVAL_MS = 2000;
  var failures = 0;

  function set(name, value) {
    var nodes = box.querySelectorAll("[data-field='" + name + "']");
    for (var i = 0; i < nodes.length; i++) {
      if (name === "progress") { nodes[i].value = value; nodes[i].textContent = value + "%"; }
      else { nodes[i].textContent = value; }
    }
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}, cache: "no-store"})
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/json") === -1) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        set("percent", data.percent);
        set("progress", data.percent);
        set("issued", data.issued);
        set("issued_new", data.issued_new);
        set("done", data.done);
        set("failed", data.failed);
        set("state_label", data.state_label);
        if (data.state === "queued" || data.state === "running" || data.state === "packing") {
          window.setTimeout(poll, INTERVAL_MS);
        } else {
          window.location.reload();
        }
      })
      .catch(function () {
        // A dropped connection or an expired session: try a few more times, then leave the
        // page as it is (the "刷新" link still works).
        failures += 1;
        if (failures < 5) { window.setTimeout(poll, INTERVAL_MS * failures); }
      });
  }

  window.setTimeout(poll, INTERVAL_MS);
}());
