// The console's coupon form: show only the fields of the chosen kind and validity (the server
// checks every field whatever is shown).
(function () {
  "use strict";
  var form = document.querySelector("[data-coupon-form]");
  if (!form) return;
  function show() {
    var kind = form.querySelector("[name=kind]").value;
    var validity = form.querySelector("[name=validity]").value;
    form.querySelectorAll("[data-for-kind]").forEach(function (el) {
      el.hidden = el.dataset.forKind.split(" ").indexOf(kind) < 0;
    });
    form.querySelectorAll("[data-for-validity]").forEach(function (el) {
      el.hidden = el.dataset.forValidity !== validity;
    });
  }
  form.addEventListener("change", show);
  show();
})();
