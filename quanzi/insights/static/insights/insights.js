// The insights charts: every <div data-chart="ID"> gets a Chart.js chart drawn from the JSON
// in <script type="application/json" id="ID"> (Django's json_script), so the page carries no
// inline script (CSP). Amounts arrive in yuan, shares in percent; the previous period, when
// present, is drawn dashed and lighter beside the current one.
(function () {
  "use strict";
  var COLORS = ["#e4393c", "#2b7de9", "#16a34a", "#f59e0b", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];

  function unit(kind, value) {
    if (value === null || value === undefined) return "—";
    if (kind === "fen") return "¥" + Number(value).toFixed(2);
    if (kind === "pct") return Number(value).toFixed(1) + "%";
    return String(value);
  }

  function draw(holder) {
    if (typeof window.Chart !== "function") return;
    var source = document.getElementById(holder.getAttribute("data-chart"));
    var canvas = holder.querySelector("canvas");
    if (!source || !canvas) return;
    var spec = JSON.parse(source.textContent || "{}");
    var type = spec.type || "bar";
    var round = type === "doughnut";
    var datasets = (spec.datasets || []).map(function (set, i) {
      var color = COLORS[i % COLORS.length];
      return {
        label: set.label,
        data: set.data,
        kind: set.kind,
        borderColor: round ? "#fff" : color,
        backgroundColor: round ? COLORS.slice(0, set.data.length) : color,
        borderWidth: round ? 2 : 2,
        tension: 0,
        pointRadius: 2,
      };
    });
    (spec.compare || []).forEach(function (set, i) {
      if (round) return;
      var color = COLORS[i % COLORS.length];
      datasets.push({
        label: set.label + " · " + (holder.getAttribute("data-previous") || ""),
        data: set.data,
        kind: datasets[i] ? datasets[i].kind : "int",
        borderColor: color + "66",
        backgroundColor: color + "33",
        borderDash: [4, 4],
        borderWidth: 1.5,
        tension: 0,
        pointRadius: 0,
      });
    });
    var chart = new window.Chart(canvas, {
      type: type,
      data: { labels: spec.labels || [], datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: datasets.length > 1 || round, position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                return (ctx.dataset.label || "") + ": " + unit(ctx.dataset.kind, ctx.parsed.y !== undefined ? ctx.parsed.y : ctx.parsed);
              },
            },
          },
        },
        scales: round ? {} : { y: { beginAtZero: true } },
      },
    });
    holder.setAttribute("data-drawn", String(chart.data.datasets.reduce(function (n, d) { return n + d.data.length; }, 0)));
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart]:not([data-drawn])").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else {
    drawAll();
  }
  document.addEventListener("htmx:afterSwap", function (event) { drawAll(event.target); });
})();
