// The RFM page's bar chart of customers per segment (data from json_script).
(function () {
  "use strict";
  var data = document.getElementById("rfm-chart-data");
  var canvas = document.getElementById("rfm-chart");
  if (!data || !canvas || typeof Chart === "undefined") return;
  var d = JSON.parse(data.textContent);
  new Chart(canvas, {
    type: "bar",
    data: { labels: d.labels, datasets: [{ label: canvas.getAttribute("aria-label"), data: d.data, backgroundColor: "#d9480f" }] },
    options: { indexAxis: "y", plugins: { legend: { display: false } }, maintainAspectRatio: false }
  });
})();
