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
    el.dataset.started = "1";
    var end = Date.now() + parseInt(el.dataset.secondsLeft || "0", 10) * 1000;
    function tick() {
      if (show(el, Math.round((end - Date.now()) / 1000))) { setTimeout(tick, 1000); }
    }
    tick();
  }
  // Countdowns of the page, and of content swapped in later (the checkout sheet's result).
  function scan(root) {
    root.querySelectorAll("[data-seconds-left]:not([data-started])").forEach(start);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { scan(document); });
  } else {
    scan(document);
  }
  document.addEventListener("htmx:load", function (event) {
    if (event.target && event.target.querySelectorAll) { scan(event.target); }
  });
})();
