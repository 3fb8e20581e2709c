// Reputation alerts: the "opened … ago" times tick without a reload (the page's language).
(function () {
  "use strict";
  var lang = document.documentElement.lang || "zh-Hans";
  var format;
  try {
    format = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  } catch (e) {
    return;
  }
  function tick() {
    var nodes = document.querySelectorAll("time[data-ago]");
    for (var i = 0; i < nodes.length; i++) {
      var then = Date.parse(nodes[i].getAttribute("datetime"));
      if (isNaN(then)) continue;
      var seconds = Math.max(0, (Date.now() - then) / 1000);
      var text;
      if (seconds < 3600) text = format.format(-Math.floor(seconds / 60), "minute");
      else if (seconds < 86400) text = format.format(-Math.floor(seconds / 3600), "hour");
      else text = format.format(-Math.floor(seconds / 86400), "day");
      nodes[i].textContent = text;
    }
  }
  tick();
  setInterval(tick, 30000);
})();
