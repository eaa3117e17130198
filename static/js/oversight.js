// The regulator's dashboard: sortable tables, Chart.js charts from json_script data, and the big
// screen's fullscreen button and refresh. Without JavaScript the tables keep the server's order
// (by key), each chart's figures are in a table next to it, and the big screen reloads itself
// through its <noscript> meta refresh; with JavaScript it swaps its content in place instead, so
// that full-screen mode survives the refresh.
(function () {
  "use strict";

  // ---- sortable tables: <table data-sortable> with <button class="ov-sort"> in each header.
  var NUMBER = /^-?\d+(\.\d+)?$/;

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) { return ""; }
    return cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
  }

  function sortTable(table, index, button) {
    var header = button.closest("th");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var values = rows.map(function (row) { return cellValue(row, index); });
    var numeric = values.every(function (v) { return v === "" || NUMBER.test(v); });
    // Numbers start largest first, text in order; a second click reverses.
    var current = header.getAttribute("aria-sort");
    var ascending = current ? current === "descending" : !numeric;
    var collator = new Intl.Collator(document.documentElement.lang || "zh-CN", { numeric: true });
    var keyed = rows.map(function (row, i) { return { row: row, value: values[i], i: i }; });
    keyed.sort(function (a, b) {
      // Empty (suppressed or missing) values go last whichever the direction.
      if (a.value === "" || b.value === "") {
        return (a.value === "") - (b.value === "") || a.i - b.i;
      }
      var order = numeric ? parseFloat(a.value) - parseFloat(b.value) : collator.compare(a.value, b.value);
      return (ascending ? order : -order) || a.i - b.i;
    });
    keyed.forEach(function (item) { body.appendChild(item.row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  function sortable(root) {
    Array.prototype.forEach.call(root.querySelectorAll("table[data-sortable]"), function (table) {
      if (!table.tHead || !table.tBodies.length) { return; }
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
        var button = th.querySelector("button.ov-sort");
        if (button) {
          button.addEventListener("click", function () { sortTable(table, index, button); });
        }
      });
    });
  }

  // ---- charts: <canvas data-chart="<json_script id>">.
  function drawCharts(root) {
    if (typeof window.Chart === "undefined") { return; }
    var dark = document.body.classList.contains("ov-screen");
    var ink = dark ? "#d7e3f4" : "#1f2933";
    var grid = dark ? "rgba(215, 227, 244, 0.15)" : "#e4e7eb";
    var colours = { bar: dark ? "#3fa7ff" : "#c0392b", line: dark ? "#ffd166" : "#1e4e8c" };
    window.Chart.defaults.color = ink;
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    if (dark) { window.Chart.defaults.font.size = 16; }
    Array.prototype.forEach.call(root.querySelectorAll("canvas[data-chart]"), function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      var twoAxes = data.series.some(function (s) { return s.axis === "count"; });
      var horizontal = data.kind === "bar";
      var scales = {};
      var valueAxis = horizontal ? "x" : "y";
      scales[valueAxis] = { beginAtZero: true, grid: { color: grid }, title: { display: true, text: data.series[0].label } };
      scales[horizontal ? "y" : "x"] = { grid: { display: false } };
      if (twoAxes) {
        scales.count = { position: "right", beginAtZero: true, grid: { display: false },
          ticks: { precision: 0 }, title: { display: true, text: data.series[1].label } };
      }
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: data.series.map(function (s) {
            var line = s.type === "line";
            return {
              type: s.type, label: s.label, data: s.data,
              yAxisID: s.axis === "count" ? "count" : (horizontal ? undefined : "y"),
              backgroundColor: line ? colours.line : colours.bar,
              borderColor: line ? colours.line : colours.bar,
              borderWidth: line ? 2 : 0, tension: 0.25, order: line ? 0 : 1, maxBarThickness: 48
            };
          })
        },
        options: {
          indexAxis: horizontal ? "y" : "x",
          maintainAspectRatio: false,
          animation: dark ? false : undefined,
          scales: scales,
          plugins: { legend: { display: twoAxes } }
        }
      });
    });
  }

  // ---- the big screen's fullscreen button.
  var full = document.querySelector("[data-fullscreen]");
  if (full && document.fullscreenEnabled) {
    var enter = full.textContent;
    full.hidden = false;
    full.addEventListener("click", function () {
      if (document.fullscreenElement) { document.exitFullscreen(); } else { document.documentElement.requestFullscreen(); }
    });
    document.addEventListener("fullscreenchange", function () {
      full.textContent = document.fullscreenElement ? full.getAttribute("data-exit-label") : enter;
    });
  }

  // ---- the big screen's refresh: fetch the page again and swap its content.
  var every = parseInt(document.body.getAttribute("data-refresh") || "0", 10);
  var main = document.querySelector("[data-refresh-region]");
  if (every > 0 && main && window.fetch && window.DOMParser) {
    window.setInterval(function () {
      fetch(window.location.href, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
        .then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var fresh = page.querySelector("[data-refresh-region]");
          if (!fresh) { return; }
          if (window.Chart) {
            Object.keys(window.Chart.instances).forEach(function (k) { window.Chart.instances[k].destroy(); });
          }
          main.innerHTML = fresh.innerHTML;
          drawCharts(main);
        })
        .catch(function () { /* keep the figures on screen; try again next time */ });
    }, every * 1000);
  }

  sortable(document);
  drawCharts(document);
})();
