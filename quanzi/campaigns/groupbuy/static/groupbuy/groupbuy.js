// Group buying: live countdowns to a group's expiry and the group page's share button.
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
  function share(button) {
    var url = button.dataset.url, done = button.dataset.copied;
    if (navigator.share) {
      navigator.share({ title: document.title, url: url }).catch(function () {});
    } else if (navigator.clipboard) {
      navigator.clipboard.writeText(url).then(function () { button.textContent = done; });
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-seconds-left]").forEach(start);
    document.querySelectorAll("[data-share-url]").forEach(function (b) {
      b.dataset.url = b.dataset.shareUrl;
      b.addEventListener("click", function () { share(b); });
    });
  });
})();
