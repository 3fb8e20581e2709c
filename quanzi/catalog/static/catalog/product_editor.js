/* The product editor: rebuilds the SKU matrix (one row per combination of the spec values) as
   the merchant types, keeping what was typed in rows whose combination still exists, and
   previews the chosen photos. Without JavaScript the "Generate SKUs" button asks the server,
   which builds the same matrix. Plain JavaScript, no build step. */
(function () {
  "use strict";
  var form = document.getElementById("product-editor");
  if (!form) return;
  var matrix = document.getElementById("sku-matrix");
  var SEPARATORS = /[,，、]/;
  var MAX_SPECS = 3;
  var MAX_ROWS = 200;

  function readSpecs() {
    var specs = [];
    for (var i = 0; i < MAX_SPECS; i++) {
      var name = form.elements["spec_name_" + i];
      var values = form.elements["spec_values_" + i];
      if (!name || !values || !name.value.trim()) continue;
      var list = [];
      values.value.split(SEPARATORS).forEach(function (value) {
        value = value.trim();
        if (value && list.indexOf(value) < 0) list.push(value);
      });
      if (list.length) specs.push({ name: name.value.trim(), values: list });
    }
    return specs;
  }

  function combinations(specs) {
    var result = [{}];
    specs.forEach(function (spec) {
      var next = [];
      result.forEach(function (partial) {
        spec.values.forEach(function (value) {
          var combo = Object.assign({}, partial);
          combo[spec.name] = value;
          next.push(combo);
        });
      });
      result = next;
    });
    return result;
  }

  function keyOf(values) {
    return JSON.stringify(Object.keys(values).sort().map(function (k) { return [k, values[k]]; }));
  }

  function typedRows() {
    var rows = {};
    var count = Number(form.elements.sku_count.value) || 0;
    for (var i = 0; i < count; i++) {
      var spec = form.elements["sku_spec_" + i];
      if (!spec) continue;
      try {
        rows[keyOf(JSON.parse(spec.value))] = {
          price: form.elements["sku_price_" + i].value,
          stock: form.elements["sku_stock_" + i].value,
          code: form.elements["sku_code_" + i].value,
          base: form.elements["sku_stock_base_" + i].value
        };
      } catch (error) { /* a malformed row is dropped, as the server does */ }
    }
    return rows;
  }

  function input(type, name, value, attrs) {
    var element = document.createElement("input");
    element.type = type;
    element.name = name;
    element.value = value;
    Object.keys(attrs || {}).forEach(function (k) { element.setAttribute(k, attrs[k]); });
    return element;
  }

  function cell(children) {
    var td = document.createElement("td");
    children.forEach(function (child) { td.appendChild(child); });
    return td;
  }

  function rebuild() {
    var specs = readSpecs();
    var combos = combinations(specs);
    if (combos.length > MAX_ROWS) return;  // the server explains the limit on save
    var typed = typedRows();
    var body = matrix.querySelector("tbody");
    body.textContent = "";
    combos.forEach(function (values, i) {
      var before = typed[keyOf(values)] || { price: "", stock: "0", code: "", base: "" };
      var label = specs.map(function (s) { return values[s.name]; }).join(" / ") ||
        matrix.dataset.singleLabel;
      var row = document.createElement("tr");
      var labelCell = cell([
        document.createTextNode(label),
        input("hidden", "sku_spec_" + i, JSON.stringify(values)),
        input("hidden", "sku_stock_base_" + i, before.base)
      ]);
      labelCell.className = "sku-label";
      row.appendChild(labelCell);
      row.appendChild(cell([input("text", "sku_price_" + i, before.price,
        { inputmode: "decimal", placeholder: "0.00", "data-testid": "sku-price-" + i })]));
      row.appendChild(cell([input("number", "sku_stock_" + i, before.stock,
        { min: "0", step: "1", inputmode: "numeric", "data-testid": "sku-stock-" + i })]));
      row.appendChild(cell([input("text", "sku_code_" + i, before.code,
        { maxlength: "64", "data-testid": "sku-code-" + i })]));
      body.appendChild(row);
    });
    form.elements.sku_count.value = combos.length;
  }

  form.addEventListener("input", function (event) {
    if (/^spec_(name|values)_\d$/.test(event.target.name || "")) rebuild();
  });
  form.addEventListener("click", function (event) {
    if (event.target.closest("[data-testid=generate-skus]")) {
      event.preventDefault();
      rebuild();
    }
  });

  var files = form.elements.images;
  var previews = document.getElementById("image-previews");
  if (files && previews) {
    files.addEventListener("change", function () {
      previews.textContent = "";
      Array.prototype.forEach.call(files.files, function (file) {
        var img = document.createElement("img");
        img.src = URL.createObjectURL(file);
        img.alt = file.name;
        img.width = 96;
        img.height = 96;
        previews.appendChild(img);
      });
    });
  }
})();
