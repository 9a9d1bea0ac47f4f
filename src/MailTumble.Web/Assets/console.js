// MailTumble operator console: live updates without reloading (polling), and the overview's charts.
// Served from the app itself; no inline script anywhere (the pages' Content-Security-Policy forbids it).
(function () {
  "use strict";

  var page = document.body.getAttribute("data-page");

  function signInAgain() {
    window.location.assign("/console/login?returnUrl=" + encodeURIComponent(window.location.pathname + window.location.search));
  }

  function get(url, accept) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: accept } }).then(function (r) {
      if (r.status === 401) { signInAgain(); throw new Error("signed out"); }
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return accept === "application/json" ? r.json() : r.text();
    });
  }

  // --- Overview: figures and charts --------------------------------------------------------------------
  function Series(windowSize, step) {
    this.windowSize = windowSize;
    this.step = step;
    this.span = windowSize * step;
    this.cols = [[], [], [], [], []]; // t, sent, throttled, failed, depth
  }

  Series.prototype.merge = function (data) {
    var c = this.cols;
    for (var i = 0; i < data.t.length; i++) {
      var t = data.t[i];
      var at = c[0].length && c[0][c[0].length - 1] >= t ? c[0].lastIndexOf(t) : -1;
      var row = [t, data.sent[i], data.throttled[i], data.failed[i], data.depth[i]];
      if (at >= 0) {
        for (var k = 0; k < 5; k++) { c[k][at] = row[k]; }
      } else if (!c[0].length || t > c[0][c[0].length - 1]) {
        for (var j = 0; j < 5; j++) { c[j].push(row[j]); }
      }
    }
    var extra = c[0].length - this.windowSize;
    if (extra > 0) { for (var m = 0; m < 5; m++) { c[m].splice(0, extra); } }
  };

  Series.prototype.range = function () {
    var t = this.cols[0], max = t.length ? t[t.length - 1] : Date.now() / 1000;
    var first = t.length ? t[0] : max;
    return [Math.max(max - this.span, Math.min(first, max - 60 * this.step)), max];
  };

  Series.prototype.last = function () { return this.cols[0].length ? this.cols[0][this.cols[0].length - 1] : 0; };

  function makeChart(figure, series) {
    var plot = figure.querySelector(".plot");
    var opts = {
      width: Math.max(280, plot.clientWidth),
      height: 220,
      legend: { live: false },
      cursor: { show: false },
      // The x axis ends at the newest point and spans the window (15 minutes, 24 hours), or what there is of it
      // since start-up (at least 60 intervals).
      scales: {
        x: { time: true, range: function () { return series.range(); } },
        depth: { range: function (u, min, max) { return [0, Math.max(10, max)]; } },
        y: { range: function (u, min, max) { return [0, Math.max(5, max)]; } }
      },
      series: [
        {},
        { label: "Sent", stroke: "#0b5cad", width: 2, scale: "y" },
        { label: "Throttled", stroke: "#a14a00", width: 2, dash: [6, 3], scale: "y" },
        { label: "Failed", stroke: "#b3261e", width: 1, scale: "y" },
        { label: "Depth", stroke: "#3c3c3c", width: 2, scale: "depth" }
      ],
      axes: [
        { stroke: "#333" },
        { stroke: "#333", scale: "y", label: series.span > 3600 ? "per minute" : "per second" },
        { stroke: "#333", side: 1, scale: "depth", label: "depth", grid: { show: false } }
      ]
    };
    var chart = new window.uPlot(opts, series.cols, plot);
    window.addEventListener("resize", function () { chart.setSize({ width: Math.max(280, plot.clientWidth), height: 220 }); });
    return chart;
  }

  function summarise(figure, series) {
    var c = series.cols, n = c[0].length;
    figure.setAttribute("data-points", String(n));
    var text = figure.querySelector("[data-summary]");
    if (!n) { text.textContent = "No data yet."; return; }
    var sent = 0, thr = 0;
    for (var i = 0; i < n; i++) { sent += c[1][i]; thr += c[2][i]; }
    text.textContent = n + " points: " + sent + " sent, " + thr + " throttled; depth now " + c[4][n - 1] + ".";
  }

  function overview() {
    var secondsFigure = document.getElementById("chart-seconds");
    var minutesFigure = document.getElementById("chart-minutes");
    var seconds = new Series(+secondsFigure.getAttribute("data-window"), 1);
    var minutes = new Series(+minutesFigure.getAttribute("data-window"), 60);
    var charts = null;

    function tick() {
      var url = "/?handler=Live&since=" + seconds.last() + "&sinceMinute=" + Math.max(0, minutes.last() - 1);
      return get(url, "application/json").then(function (data) {
        Object.keys(data.fields).forEach(function (name) {
          document.querySelectorAll('[data-field="' + name + '"]').forEach(function (el) {
            if (el.textContent !== data.fields[name]) { el.textContent = data.fields[name]; }
          });
        });
        document.getElementById("paused").hidden = !data.paused;
        document.getElementById("no-sending").hidden = data.sending;
        seconds.merge(data.seconds);
        minutes.merge(data.minutes);
        if (window.uPlot) {
          if (!charts) { charts = [makeChart(secondsFigure, seconds), makeChart(minutesFigure, minutes)]; }
          charts[0].setData(seconds.cols);
          charts[1].setData(minutes.cols);
        }
        summarise(secondsFigure, seconds);
        summarise(minutesFigure, minutes);
      });
    }

    function loop() { tick().catch(function () { }).then(function () { setTimeout(loop, 2000); }); }
    loop();
  }

  // --- Lists: refresh the rows in place, keeping what the operator has ticked --------------------------
  function liveRows(region) {
    var src = region.getAttribute("data-live-rows");
    function refresh() {
      if (region.contains(document.activeElement)) { return Promise.resolve(); } // never move focus under the operator
      return get(src, "text/html").then(function (html) {
        var checked = {};
        region.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) { checked[box.value] = true; });
        if (region.innerHTML.trim() === html.trim()) { return; }
        region.innerHTML = html;
        region.querySelectorAll("input[type=checkbox]").forEach(function (box) { if (checked[box.value]) { box.checked = true; } });
        region.dispatchEvent(new CustomEvent("rows-updated", { bubbles: true }));
      });
    }
    function loop() { refresh().catch(function () { }).then(function () { setTimeout(loop, 3000); }); }
    setTimeout(loop, 3000);
  }

  // "Select all" boxes tick every row box of their table.
  document.addEventListener("change", function (e) {
    var all = e.target.closest && e.target.closest("input[data-select-all]");
    if (!all) { return; }
    var table = all.closest("table");
    table.querySelectorAll("tbody input[type=checkbox]").forEach(function (box) { box.checked = all.checked; });
  });

  if (page === "overview") { overview(); }
  document.querySelectorAll("[data-live-rows]").forEach(liveRows);
})();
