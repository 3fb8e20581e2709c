// Group buying: live countdowns to a group's expiry.
// A countdown starts from the server's remaining seconds (data-seconds-left), so a wrong
// phone clock does not matter; at zero it shows its data-done text.
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function show(el, left) {
    if (left <= 0) { el.textContent = el.dataset.done || "00:00:00"; return false; }
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    el.textContent = pad(h) + ":" + pad(m) + ":" + pad(s);
    return true;
  }
  function start(el) {
    var end = Date.now() + parseInt(el.dataset.secondsLeft || "0", 10) * 1000;
    function tick() {
      if (show(el, Math.round((end - Date.now()) / 1000))) { setTimeout(tick, 1000); }
    }
    tick();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-seconds-left]").forEach(start);
  });
})();
