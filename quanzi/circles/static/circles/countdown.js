// Launch countdowns: every [data-testid="countdown"] element carries the launch time as ISO 8601
// in data-launch-at; its [data-countdown-clock] child ticks once a second as "3d 04:12:33" and
// shows data-done-text when the time has come. The server renders a text fallback first.
(function () {
  "use strict";
  if (window.quanziCountdown) return;
  window.quanziCountdown = true;

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function render(el) {
    var clock = el.querySelector("[data-countdown-clock]");
    var target = Date.parse(el.getAttribute("data-launch-at") || "");
    if (!clock || isNaN(target)) return false;
    var left = Math.max(0, Math.floor((target - Date.now()) / 1000));
    if (left === 0) {
      clock.textContent = el.getAttribute("data-done-text") || "";
      el.classList.add("countdown-done");
      return false;
    }
    var days = Math.floor(left / 86400);
    var clockText = pad(Math.floor((left % 86400) / 3600)) + ":" + pad(Math.floor((left % 3600) / 60)) + ":" + pad(left % 60);
    clock.textContent = (days ? days + (el.getAttribute("data-day-unit") || "d") + " " : "") + clockText;
    return true;
  }

  function start(root) {
    var found = root.querySelectorAll('[data-testid="countdown"]:not([data-ticking])');
    Array.prototype.forEach.call(found, function (el) {
      el.setAttribute("data-ticking", "1");
      if (!render(el)) return;
      var timer = window.setInterval(function () {
        if (!document.contains(el) || !render(el)) window.clearInterval(timer);
      }, 1000);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { start(document); });
  } else {
    start(document);
  }
  document.addEventListener("htmx:afterSwap", function (event) { start(event.target); });
})();
