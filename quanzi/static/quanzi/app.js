// Behaviour every page shares, bound from data- attributes: the Content-Security-Policy allows
// scripts only from our static files, so templates carry no inline <script> and no on...=
// handlers.
//   <form data-confirm="Delete this?">  asks before submitting (Cancel keeps the page);
//   <input data-autosubmit>             submits its form when its value changes;
//   <a data-history-back href="/">      goes back a page when there is one, else follows href.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.requestSubmit();
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-history-back]");
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})();
