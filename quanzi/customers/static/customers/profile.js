// The profile's sentiment trend (data from json_script).
(function () {
  "use strict";
  var data = document.getElementById("sentiment-data");
  var canvas = document.getElementById("sentiment-chart");
  if (!data || !canvas || typeof Chart === "undefined") return;
  var rows = JSON.parse(data.textContent);
  new Chart(canvas, {
    type: "line",
    data: {
      labels: rows.map(function (r) { return r.month; }),
      datasets: [{ label: canvas.getAttribute("data-label"), data: rows.map(function (r) { return r.score; }), borderColor: "#d9480f" }]
    },
    options: { plugins: { legend: { display: false } }, maintainAspectRatio: false, scales: { y: { min: -1, max: 1 } } }
  });
})();
