/* The product page's SKU picker: one button per spec value; the chosen combination fills the
   form's <select name="sku"> (which is the picker without JavaScript) and shows its price,
   stock and photo (规格图片: the gallery turns to the photo of the chosen first-spec value).
   Plain JavaScript, no build step. */
(function () {
  "use strict";
  var form = document.getElementById("buy-form");
  if (!form) return;
  var skus = JSON.parse(document.getElementById("sku-data").textContent);
  var specs = JSON.parse(document.getElementById("spec-data").textContent);
  var select = form.querySelector("select[name=sku]");
  var quantity = form.querySelector("input[name=quantity]");
  var status = form.querySelector(".sku-status");
  var priceText = form.querySelector("[data-testid=sku-price]");
  var stockText = form.querySelector("[data-testid=sku-stock]");
  var hint = form.querySelector("[data-testid=choose-hint]");
  var chosen = {};
  var gallery = document.querySelector("[data-testid=gallery]");

  // Turn the gallery to photo `index` (the server's index of the variant's photo).
  function showPhoto(index) {
    if (!gallery || index === null || index === undefined) return;
    var photos = gallery.querySelectorAll("img");
    var photo = photos[index];
    if (!photo || gallery.dataset.shown === String(index)) return;
    gallery.dataset.shown = String(index);
    gallery.scrollTo({ left: photo.offsetLeft - gallery.offsetLeft, behavior: "smooth" });
  }
  // The photo of what is chosen so far: the variant's, or that of any variant sharing the
  // chosen value of the first spec (they share their photo).
  function photoOfChoice(sku) {
    if (sku) return sku.image;
    if (!specs.length || !(specs[0].name in chosen)) return null;
    var first = specs[0].name;
    var match = skus.find(function (s) { return s.values[first] === chosen[first]; });
    return match ? match.image : null;
  }

  function yuan(fen) {
    return "¥" + Math.floor(fen / 100) + "." + String(fen % 100).padStart(2, "0");
  }
  function matches(sku, values) {
    return Object.keys(values).every(function (name) { return sku.values[name] === values[name]; });
  }
  function current() {
    if (specs.length === 0) return skus.length === 1 ? skus[0] : null;
    if (Object.keys(chosen).length < specs.length) return null;
    return skus.find(function (sku) { return matches(sku, chosen); }) || null;
  }
  function refresh() {
    form.querySelectorAll(".spec-option").forEach(function (button) {
      var name = button.dataset.attr, value = button.dataset.value;
      var on = chosen[name] === value;
      var trial = Object.assign({}, chosen);
      trial[name] = value;
      button.classList.toggle("selected", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.classList.toggle("unavailable", !skus.some(function (sku) {
        return sku.stock > 0 && matches(sku, trial);
      }));
    });
    var sku = current();
    showPhoto(photoOfChoice(sku));
    select.value = sku ? sku.id : "";
    status.hidden = !sku;
    if (!sku) return;
    hint.hidden = true;
    priceText.textContent = yuan(sku.price);
    stockText.textContent = sku.stock > 0
      ? form.dataset.textStock.replace("__N__", sku.stock) : form.dataset.textSoldOut;
    quantity.max = Math.max(sku.stock, 1);
    if (sku.stock > 0 && Number(quantity.value) > sku.stock) quantity.value = sku.stock;
  }

  form.querySelectorAll(".spec-group").forEach(function (group) { group.hidden = false; });
  if (specs.length || skus.length === 1) form.querySelector(".sku-fallback").hidden = true;
  form.addEventListener("click", function (event) {
    var option = event.target.closest(".spec-option");
    if (option) {
      if (chosen[option.dataset.attr] === option.dataset.value) delete chosen[option.dataset.attr];
      else chosen[option.dataset.attr] = option.dataset.value;
      refresh();
      return;
    }
    var submit = event.target.closest("button[type=submit]");
    var sku = current();
    if (submit && (!sku || sku.stock <= 0)) {
      event.preventDefault();  // the hidden <select> would block the submit without a word
      hint.hidden = false;
    }
  });
  refresh();
})();
