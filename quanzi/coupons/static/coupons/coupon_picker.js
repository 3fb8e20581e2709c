// The checkout page's coupon picker: choosing a coupon updates that store's discount and total
// and the amount to pay. Amounts are integer fen in data attributes; the server prices the
// order again when it is placed, so this only shows what the buyer will pay.
(function () {
  "use strict";
  function yuan(fen) {
    var abs = Math.abs(fen);
    return (fen < 0 ? "-¥" : "¥") + Math.floor(abs / 100) + "." + String(abs % 100).padStart(2, "0");
  }
  function refresh() {
    var toPay = 0;
    document.querySelectorAll("[data-coupon-group]").forEach(function (group) {
      var chosen = group.querySelector("input[type=radio][name^='coupon_']:checked");
      var discount = chosen ? parseInt(chosen.dataset.discount || "0", 10) : 0;
      var total = parseInt(group.dataset.goodsTotal, 10) - discount;
      var shownDiscount = group.querySelector("[data-coupon-discount]");
      var shownTotal = group.querySelector("[data-coupon-total]");
      if (shownDiscount) shownDiscount.textContent = "-" + yuan(discount);
      if (shownTotal) shownTotal.textContent = yuan(total);
      toPay += total;
    });
    var bar = document.querySelector("[data-coupon-to-pay]");
    if (bar) bar.textContent = yuan(toPay);
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("input[type=radio][name^='coupon_']")) refresh();
  });
})();
