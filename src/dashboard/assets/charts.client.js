// Usage charts on the app overview, drawn with the embedded uPlot. Reads /usage.json for the chosen
// period, redraws on resize and in the current color scheme, and refreshes the table beside them.
// The current bucket (partial: true) is still filling: drawn, it would look like a drop at the end of
// every chart, so the charts stop at the last complete bucket and the table marks it "so far".
(function () {
  "use strict";

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function stampOf(t, period) {
    return new Date(t * 1000).toISOString().replace("T", " ").slice(0, period === "month" ? 10 : 16);
  }

  // Same words as bucketName() in routes/overview.tsx.
  function bucketName(seconds) {
    return seconds >= 86400 ? "day" : seconds >= 3600 ? "hour" : "minute";
  }

  function fillTable(series) {
    document.querySelectorAll("[data-bucket-name]").forEach(function (el) { el.textContent = bucketName(series.bucketSeconds); });
    var body = document.querySelector("#usage-table tbody");
    if (!body) return;
    body.textContent = "";
    series.points.forEach(function (p) {
      var tr = document.createElement("tr");
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = stampOf(p.t, series.period) + (p.partial ? " (so far)" : "");
      tr.appendChild(th);
      [p.connectionsPeak, Math.round(p.connectionsAvg * 10) / 10, p.apiMessages, p.clientMessages, p.delivered].forEach(function (v) {
        var td = document.createElement("td");
        td.className = "num";
        td.textContent = String(v);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function init() {
    var root = document.querySelector("[data-usage-url]");
    if (!root || typeof uPlot === "undefined") return;
    var url = root.getAttribute("data-usage-url");
    var charts = [];
    var period = "hour";

    function options(el, series) {
      var axis = { stroke: css("--muted"), grid: { stroke: css("--border"), width: 1 }, ticks: { stroke: css("--border") } };
      return {
        width: Math.max(280, el.clientWidth),
        height: 240,
        scales: { x: { time: true } },
        axes: [axis, Object.assign({}, axis, { size: 50 })],
        series: [{}].concat(series.map(function (s) { return Object.assign({ points: { show: false } }, s); })),
        legend: { live: true },
      };
    }

    function draw(data) {
      charts.forEach(function (c) { c.destroy(); });
      charts = [];
      var complete = data.points.filter(function (p) { return !p.partial; });
      var x = complete.map(function (p) { return p.t; });
      var pick = function (k) { return complete.map(function (p) { return p[k]; }); };
      var accent = css("--accent"), ok = css("--ok"), danger = css("--danger"), muted = css("--muted");
      var conn = document.getElementById("chart-connections");
      var msgs = document.getElementById("chart-messages");
      conn.textContent = "";
      msgs.textContent = "";
      charts.push(new uPlot(options(conn, [
        { label: "Peak connections", stroke: accent, width: 2 },
        { label: "Average connections", stroke: muted, width: 2, dash: [6, 4] },
      ]), [x, pick("connectionsPeak"), pick("connectionsAvg")], conn));
      charts.push(new uPlot(options(msgs, [
        { label: "Published: API", stroke: accent, width: 2 },
        { label: "Published: client", stroke: danger, width: 2 },
        { label: "Delivered", stroke: ok, width: 2 },
      ]), [x, pick("apiMessages"), pick("clientMessages"), pick("delivered")], msgs));
      // What is drawn, for readers of the page source and the browser tests: complete buckets only.
      conn.setAttribute("data-points", String(x.length));
      msgs.setAttribute("data-points", String(x.length));
      fillTable(data);
    }

    function load() {
      fetch(url + "?period=" + period, { headers: { accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) { if (data && data.points) draw(data); })
        .catch(function () {});
    }

    root.querySelectorAll("button[data-period]").forEach(function (button) {
      button.addEventListener("click", function () {
        period = button.getAttribute("data-period");
        root.querySelectorAll("button[data-period]").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
        load();
      });
    });
    var resizeTimer;
    window.addEventListener("resize", function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(function () {
        charts.forEach(function (c) { c.setSize({ width: Math.max(280, c.root.parentElement.clientWidth), height: 240 }); });
      }, 150);
    });
    if (window.matchMedia) window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", load);
    load();
    setInterval(function () { if (!document.hidden) load(); }, 60000);
  }

  document.addEventListener("DOMContentLoaded", init);
})();
