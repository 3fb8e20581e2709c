// The segment builder: draws the definition (the textarea's JSON) as groups and conditions,
// writes it back on every change, and asks the API for the live size and a sample.
(function () {
  "use strict";
  var form = document.querySelector("[data-testid=segment-form]");
  var root = document.getElementById("segment-builder");
  var area = document.getElementById("segment-definition");
  var optionsNode = document.getElementById("segment-options");
  if (!form || !root || !area || !optionsNode) return;
  var opts = JSON.parse(optionsNode.textContent);
  var words = opts.words;
  var live = form.querySelector("[data-testid=segment-live]");
  var sample = form.querySelector("[data-testid=segment-sample]");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
  var timer = null;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function select(choices, value, label) {
    var s = el("select", { "aria-label": label || "" });
    choices.forEach(function (c) {
      var o = el("option", { value: c.id }, c.label);
      if (String(c.id) === String(value)) o.selected = true;
      s.appendChild(o);
    });
    return s;
  }

  // A UI node: {group: "and"|"or", items: [...], negated} or {cond: {...}, negated}.
  function fromJson(node) {
    if (node && node.kind === "not") {
      var inner = fromJson(node.of);
      inner.negated = !inner.negated;
      return inner;
    }
    if (node && (node.kind === "and" || node.kind === "or")) {
      return { group: node.kind, items: (node.of || []).map(fromJson), negated: false };
    }
    return { cond: node || { kind: "tag", tag: "" }, negated: false };
  }

  function toJson(ui) {
    var out;
    if (ui.group) out = { kind: ui.group, of: ui.items.map(toJson) };
    else out = ui.cond;
    return ui.negated ? { kind: "not", of: out } : out;
  }

  function freshCondition(kind) {
    var first = function (list) { return list && list.length ? list[0].id : ""; };
    if (kind === "rfm_score") return { kind: kind, letter: "r", min: 3, max: 5 };
    if (kind === "spend") return { kind: kind, min: 0, max: null };
    var c = { kind: kind };
    c[kind === "rfm_segment" ? "segment" : kind] = first(opts[kind]);
    return c;
  }

  function yuan(fen) { return fen === null || fen === undefined ? "" : String(fen / 100); }
  function fen(text) {
    var t = String(text).trim();
    if (t === "") return null;
    var n = Math.round(parseFloat(t) * 100);
    return isNaN(n) ? null : n;
  }

  function drawCondition(ui, onChange) {
    var box = el("div", { "class": "segment-cond", "data-testid": "segment-condition" });
    var kind = select(opts.kinds, ui.cond.kind);
    kind.setAttribute("data-testid", "condition-kind");
    kind.addEventListener("change", function () { ui.cond = freshCondition(kind.value); onChange(true); });
    box.appendChild(kind);
    var c = ui.cond;
    if (c.kind === "rfm_score") {
      var letter = select([{ id: "r", label: "R" }, { id: "f", label: "F" }, { id: "m", label: "M" }], c.letter);
      letter.addEventListener("change", function () { c.letter = letter.value; onChange(); });
      box.appendChild(letter);
      ["min", "max"].forEach(function (k) {
        var s = select([1, 2, 3, 4, 5].map(function (n) { return { id: n, label: String(n) }; }), c[k], words[k]);
        s.addEventListener("change", function () { c[k] = parseInt(s.value, 10); onChange(); });
        box.appendChild(el("span", {}, words[k])); box.appendChild(s);
      });
    } else if (c.kind === "spend") {
      ["min", "max"].forEach(function (k) {
        var input = el("input", { inputmode: "decimal", size: "6", "aria-label": words[k], value: yuan(c[k]) });
        input.addEventListener("input", function () { c[k] = fen(input.value); onChange(); });
        box.appendChild(el("span", {}, words[k])); box.appendChild(input);
      });
    } else {
      var field = c.kind === "rfm_segment" ? "segment" : c.kind;
      var value = select(opts[c.kind] || [], c[field]);
      value.setAttribute("data-testid", "condition-value");
      value.addEventListener("change", function () { c[field] = value.value; onChange(); });
      box.appendChild(value);
    }
    return box;
  }

  function drawNode(ui, parent, onChange) {
    var wrap = el("div", { "class": ui.group ? "segment-group" : "segment-item" });
    var head = el("div", { "class": "segment-head" });
    var neg = el("input", { type: "checkbox", "aria-label": words.not });
    neg.checked = ui.negated;
    neg.addEventListener("change", function () { ui.negated = neg.checked; onChange(); });
    var negLabel = el("label", { "class": "segment-not" });
    negLabel.appendChild(neg); negLabel.appendChild(document.createTextNode(" " + words.not));
    head.appendChild(negLabel);
    if (ui.group) {
      var op = select([{ id: "and", label: words.all }, { id: "or", label: words.any }], ui.group);
      op.setAttribute("data-testid", "group-op");
      op.addEventListener("change", function () { ui.group = op.value; onChange(); });
      head.appendChild(op);
    } else {
      head.appendChild(drawCondition(ui, onChange));
    }
    if (parent) {
      var rm = el("button", { type: "button", "class": "btn secondary small" }, words.remove);
      rm.addEventListener("click", function () { parent.items.splice(parent.items.indexOf(ui), 1); onChange(true); });
      head.appendChild(rm);
    }
    wrap.appendChild(head);
    if (ui.group) {
      var list = el("div", { "class": "segment-children" });
      ui.items.forEach(function (child) { list.appendChild(drawNode(child, ui, onChange)); });
      wrap.appendChild(list);
      var add = el("button", { type: "button", "class": "btn secondary small", "data-testid": "add-condition" }, words.add);
      add.addEventListener("click", function () { ui.items.push({ cond: freshCondition("tag"), negated: false }); onChange(true); });
      var addGroup = el("button", { type: "button", "class": "btn secondary small" }, words.addGroup);
      addGroup.addEventListener("click", function () { ui.items.push({ group: "or", items: [], negated: false }); onChange(true); });
      var row = el("div", { "class": "button-row" });
      row.appendChild(add); row.appendChild(addGroup);
      wrap.appendChild(row);
    }
    return wrap;
  }

  var state;
  try { state = fromJson(JSON.parse(area.value)); } catch (e) { state = fromJson({ kind: "and", of: [] }); }
  if (!state.group) state = { group: "and", items: [state], negated: false };

  function render() {
    root.textContent = "";
    root.appendChild(drawNode(state, null, changed));
  }

  function changed(redraw) {
    area.value = JSON.stringify(toJson(state));
    if (redraw) render();
    clearTimeout(timer);
    timer = setTimeout(preview, 300);
  }

  function preview() {
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
      body: JSON.stringify({ definition: JSON.parse(area.value) })
    }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      if (!res.ok) { live.textContent = res.body.detail || words.error; sample.textContent = ""; return; }
      live.textContent = res.body.size + " " + words.members;
      sample.textContent = "";
      res.body.sample.forEach(function (m) {
        var li = el("li");
        li.appendChild(el("a", { href: form.getAttribute("data-profile-url") + m.id + "/" }, m.name));
        sample.appendChild(li);
      });
    }).catch(function () { live.textContent = words.error; });
  }

  area.addEventListener("change", function () {
    try { state = fromJson(JSON.parse(area.value)); if (!state.group) state = { group: "and", items: [state], negated: false }; render(); preview(); }
    catch (e) { live.textContent = words.error; }
  });
  render();
  area.value = JSON.stringify(toJson(state));
  preview();
})();
