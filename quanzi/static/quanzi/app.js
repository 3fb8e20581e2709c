// Behaviour every page shares, bound from data- attributes: the Content-Security-Policy allows
// scripts only from our static files, so templates carry no inline <script> and no on...=
// handlers.
//   <form data-confirm="Delete this?">  asks in a dialog before submitting (Cancel keeps the
//                                       page); the buttons' words come from <body data-confirm-…>;
//   <input data-autosubmit>             submits its form when its value changes;
//   <a data-history-back href="/">      goes back a page when there is one, else follows href;
//   every POST form (and <form data-submit-once>) disables its buttons once sent (no double
//                                       order) and is marked busy until the next page arrives;
//   <table> with a <thead>              becomes one card per row on a phone (each cell labelled
//                                       with its column's heading); the SKU matrix stays a table;
//   [data-sheet-close] in #sheet-root   closes the bottom sheet HTMX opened (so does Escape);
//                                       outside it (the sheet as a page) the link is followed.
(function () {
  "use strict";

  // A question asked before an irreversible step, in the page's own dialog (a native
  // window.confirm cannot be styled, and some in-app browsers block it).
  function ask(question, then) {
    var body = document.body;
    var dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("data-testid", "confirm-dialog");
    var text = document.createElement("p");
    text.textContent = question;
    var row = document.createElement("div");
    row.className = "button-row";
    var no = document.createElement("button");
    no.type = "button";
    no.className = "btn secondary";
    no.textContent = body.getAttribute("data-confirm-no") || "Cancel";
    no.setAttribute("data-testid", "confirm-no");
    var yes = document.createElement("button");
    yes.type = "button";
    yes.className = "btn";
    yes.textContent = body.getAttribute("data-confirm-yes") || "OK";
    yes.setAttribute("data-testid", "confirm-yes");
    row.append(no, yes);
    dialog.append(text, row);
    function close() {
      dialog.close();
      dialog.remove();
    }
    no.addEventListener("click", close);
    dialog.addEventListener("cancel", close);
    yes.addEventListener("click", function () {
      close();
      then();
    });
    body.appendChild(dialog);
    dialog.showModal();
    yes.focus();
  }

  // Every POST form is sent once: its buttons are disabled and it is marked busy until the
  // next page arrives (no double order, no double refund); HTMX forms are HTMX's to handle.
  function sendsOnce(form) {
    return form.method === "post" && !form.hasAttribute("hx-post");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.getAttribute) return;
    var question = form.getAttribute("data-confirm");
    if (question && form.getAttribute("data-confirmed") !== "1") {
      event.preventDefault();
      var submitter = event.submitter || null;
      ask(question, function () {
        form.setAttribute("data-confirmed", "1");
        form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
      });
      return;
    }
    form.removeAttribute("data-confirmed");
    if (sendsOnce(form) || form.hasAttribute("data-submit-once")) {
      if (form.getAttribute("aria-busy") === "true") {
        event.preventDefault();
        return;
      }
      form.setAttribute("aria-busy", "true");
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
          b.disabled = true;
        });
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
        form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
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

  function stackTables(root) {
    root.querySelectorAll("table:not(.sku-table):not(.stack)").forEach(function (table) {
      var heads = table.querySelectorAll("thead th");
      if (!heads.length) return;
      var labels = Array.prototype.map.call(heads, function (th) { return th.textContent.trim(); });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.children, function (cell) {
          cell.setAttribute("data-label", labels[column] || "");
          column += cell.colSpan || 1;
        });
      });
      table.classList.add("stack");
    });
  }
  stackTables(document);
  document.body.addEventListener("htmx:afterSwap", function (event) { stackTables(event.detail.target); });
})();
