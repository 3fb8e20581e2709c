// The needs charts: every <div data-chart="ID"> gets a Chart.js chart drawn from the JSON in
// <script type="application/json" id="ID"> (json_script), so the page carries no inline
// script (CSP).
(function () {
  "use strict";
  var COLORS = ["#16a34a", "#9ca3af", "#e4393c", "#2b7de9", "#f59e0b", "#7c3aed"];

  function draw(holder) {
    if (typeof window.Chart !== "function") return;
    var source = document.getElementById(holder.getAttribute("data-chart"));
    var canvas = holder.querySelector("canvas");
    if (!source || !canvas) return;
    var spec = JSON.parse(source.textContent || "{}");
    var round = spec.type === "doughnut";
    var datasets = (spec.datasets || []).map(function (set, i) {
      var color = COLORS[i % COLORS.length];
      return {
        label: set.label,
        data: set.data,
        borderColor: round ? "#fff" : color,
        backgroundColor: round ? ["#2b7de9", "#db2777"] : color,
        borderWidth: 2,
        tension: 0,
        pointRadius: 2,
      };
    });
    new window.Chart(canvas, {
      type: spec.type || "line",
      data: { labels: spec.labels || [], datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { display: datasets.length > 1 || round, position: "bottom" } },
        scales: round ? {} : { y: { beginAtZero: true } },
      },
    });
    holder.setAttribute("data-drawn", "1");
  }

  function drawAll() {
    document.querySelectorAll("[data-chart]:not([data-drawn])").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
