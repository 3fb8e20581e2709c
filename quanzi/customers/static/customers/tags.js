// The new-tag form shows only the fields of the chosen rule.
(function () {
  "use strict";
  var kind = document.querySelector("[data-rule-kind]");
  if (!kind) return;
  function show() {
    document.querySelectorAll(".rule-fields").forEach(function (set) {
      var on = set.getAttribute("data-for").split(" ").indexOf(kind.value) >= 0;
      set.hidden = !on;
      set.disabled = !on;
    });
  }
  kind.addEventListener("change", show);
  show();
})();
