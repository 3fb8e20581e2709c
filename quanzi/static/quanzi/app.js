// Behaviour every page shares, bound from data- attributes: the Content-Security-Policy allows
// scripts only from our static files, so templates carry no inline <script> and no on...=
// handlers.
//   <form data-confirm="Delete this?">  asks before submitting (Cancel keeps the page);
//   <input data-autosubmit>             submits its form when its value changes;
//   <a data-history-back href="/">      goes back a page when there is one, else follows href;
//   <form data-submit-once>             disables its buttons once sent (no double order), and
//                                       marks itself busy until the next page arrives;
//   [data-sheet-close] in #sheet-root   closes the bottom sheet HTMX opened (so does Escape);
//                                       outside it (the sheet as a page) the link is followed.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute && form.hasAttribute("data-submit-once")) {
      if (form.getAttribute("aria-busy") === "true") {
        event.preventDefault();
        return;
      }
      form.setAttribute("aria-busy", "true");
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    }
  });

  function closeSheet() {
    var root = document.getElementById("sheet-root");
    if (!root || !root.firstElementChild) return false;
    root.replaceChildren();
    document.body.classList.remove("sheet-open");
    return true;
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeSheet();
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var root = document.getElementById("sheet-root");
    if (root && event.detail.target === root) {
      document.body.classList.toggle("sheet-open", !!root.firstElementChild);
    }
  });
  window.addEventListener("pageshow", function (event) {
    // back to a page whose form was sent: let it be sent again
    if (event.persisted) {
      document.querySelectorAll("form[aria-busy=true]").forEach(function (form) {
        form.removeAttribute("aria-busy");
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
      });
    }
  });

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.requestSubmit();
    }
  });

  document.addEventListener("click", function (event) {
    var closer = event.target.closest && event.target.closest("[data-sheet-close]");
    if (closer && closer.closest("#sheet-root") && closeSheet()) {
      event.preventDefault();
      return;
    }
    var link = event.target.closest && event.target.closest("a[data-history-back]");
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})();
