// The order page's payment countdown: the [data-deadline] element (an ISO 8601 time) shows the
// minutes and seconds left, and the page reloads once the time is up (the order is cancelled).
(function () {
  "use strict";
  var el = document.querySelector("[data-deadline]");
  if (!el) return;
  var deadline = new Date(el.getAttribute("data-deadline")).getTime();
  var timer;
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function tick() {
    var left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
    el.textContent = pad(Math.floor(left / 60)) + ":" + pad(left % 60);
    if (left === 0) {
      window.clearInterval(timer);
      window.setTimeout(function () { window.location.reload(); }, 1500);
    }
  }
  timer = window.setInterval(tick, 1000);
  tick();
})();
