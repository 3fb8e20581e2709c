// The outreach report's chart: reached against held out, conversion (%) and GMV per member (¥)
// side by side, drawn from the JSON of <script type="application/json" id="outreach-chart">
// (Django's json_script), so the page carries no inline script (CSP).
(function () {
  "use strict";
  function draw(holder) {
    if (typeof window.Chart !== "function") return;
    var source = document.getElementById(holder.getAttribute("data-outreach-chart"));
    var canvas = holder.querySelector("canvas");
    if (!source || !canvas) return;
    var spec = JSON.parse(source.textContent || "{}");
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: [spec.conversion_label, spec.gmv_label],
        datasets: [
          { label: spec.labels[0], data: [spec.conversion[0], spec.gmv_per_member[0]], backgroundColor: "#e4393c", yAxisID: "y" },
          { label: spec.labels[1], data: [spec.conversion[1], spec.gmv_per_member[1]], backgroundColor: "#9ca3af", yAxisID: "y" },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { position: "bottom" } },
        scales: { y: { beginAtZero: true } },
      },
    });
    holder.setAttribute("data-drawn", "1");
  }
  function drawAll() {
    document.querySelectorAll("[data-outreach-chart]:not([data-drawn])").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
