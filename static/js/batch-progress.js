// Follows a batch while it is validated and loaded; reloads the page when it is done.
(function () {
  "use strict";
  var box = document.getElementById("batch-progress");
  if (!box || box.dataset.finished === "1") { return; }
  var bar = box.querySelector("progress");
  var rows = box.querySelector("[data-role=rows]");
  var status = box.querySelector("[data-role=status]");
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (state.finished) { window.location.reload(); return; }
        if (bar) { bar.value = state.fraction; }
        if (rows) { rows.textContent = "已处理 " + state.rows.toLocaleString("zh-CN") + " 行"; }
        if (status) { status.textContent = state.status_display; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
