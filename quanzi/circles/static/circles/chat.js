/* The chat page of a circle (protocol: docs/chat-protocol.md).
 *
 * - History over the HTTP API, live messages over the socket /ws/circles/<id>/?after=<seq>.
 * - Every message is keyed by its seq: a message already shown is never shown again, and
 *   messages are inserted in seq order, so the catch-up/live overlap never doubles anything.
 * - Reconnects with exponential backoff, asking for everything after the last seq it holds
 *   without a gap; unacknowledged sends are resent with the same client_id (one message).
 * - User content only ever goes into the page through textContent / attributes, never as HTML.
 */
(function () {
  "use strict";

  var root = document.getElementById("chat");
  if (!root) return;
  var cfg = JSON.parse(document.getElementById("chat-config").textContent);
  var t = document.getElementById("chat-i18n").dataset;
  var list = document.getElementById("chat-list");
  var statusEl = root.querySelector("[data-testid=chat-status]");
  var input = document.getElementById("chat-input");
  var form = document.getElementById("chat-composer");
  var errorEl = document.getElementById("chat-error");
  var earlierBtn = document.getElementById("chat-earlier");
  var replyBar = document.getElementById("chat-reply");
  var replyText = document.getElementById("chat-reply-text");
  var picker = document.getElementById("chat-picker");
  var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  var apiBase = "/api/v1/circles/" + encodeURIComponent(cfg.circleId);

  var shown = new Map(); // seq -> <li>
  var contiguous = 0; // every seq from the first loaded up to this one is shown
  var lowest = null; // the lowest seq shown (for "load earlier")
  var outbox = new Map(); // client_id -> frame, until acknowledged
  var socket = null;
  var backoff = 500;
  var reconnectTimer = null;
  var stopped = false;
  var replyTo = null;
  var readSent = cfg.lastReadSeq || 0;

  // --- helpers ------------------------------------------------------------------------------

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function yuan(fen) {
    return "¥" + (fen / 100).toFixed(2);
  }

  function showError(text) {
    errorEl.textContent = text || "";
    errorEl.hidden = !text;
  }

  function api(method, path, body) {
    var opts = { method: method, credentials: "same-origin", headers: { "X-CSRFToken": csrf } };
    if (body instanceof FormData) {
      opts.body = body;
    } else if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(apiBase + path, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) throw data;
        return data;
      });
    });
  }

  function setStatus(online) {
    statusEl.dataset.state = online ? "online" : "offline";
    statusEl.textContent = online ? t.online : t.offline;
  }

  function nearBottom() {
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 80;
  }

  // --- rendering ------------------------------------------------------------------------------

  function productCard(p) {
    var card = el("div", "chat-card product-card");
    card.dataset.testid = "chat-product";
    if (p.image) {
      var img = el("img");
      img.src = p.image;
      img.alt = "";
      img.width = 64;
      img.height = 64;
      card.appendChild(img);
    }
    var info = el("div", "chat-card-info");
    var title = el("a", "chat-card-title", p.title);
    title.href = p.url;
    info.appendChild(title);
    info.appendChild(el("span", "price", yuan(p.price)));
    var state = { in_stock: t.inStock, sold_out: t.soldOut, off_shelf: t.offShelf }[p.stock_state];
    info.appendChild(el("span", "muted stock-" + p.stock_state, state || ""));
    if (p.stock_state === "in_stock") {
      // 立即购买's sheet opens over the chat (orders/buy_sheet.py): the socket stays connected
      var sheetUrl = "/orders/buy-now/sheet/?product=" + encodeURIComponent(p.id) +
        (p.sku_id ? "&sku=" + encodeURIComponent(p.sku_id) : "");
      var btn = el("a", "btn small", p.sku_id ? t.buy : t.view);
      btn.href = p.url;
      btn.dataset.testid = "chat-buy";
      btn.addEventListener("click", function (event) {
        if (!openSheet(sheetUrl)) return;  // no HTMX: the product page
        event.preventDefault();
      });
      info.appendChild(btn);
    }
    card.appendChild(info);
    return card;
  }

  function orderCard(c) {
    var card = el("div", "chat-card");
    card.appendChild(el("strong", null, t.order + " · " + (c.store || "")));
    (c.items || []).forEach(function (i) {
      card.appendChild(el("div", "muted", i.title + " × " + i.quantity));
    });
    card.appendChild(el("div", null, (c.status_label || "") + " · " + yuan(c.total || 0)));
    return card;
  }

  /* A red packet (campaigns.redpackets): opens as a sheet over the chat, where it is grabbed;
     `card` frames redraw it as people grab (grabbed / count). */
  function redPacketCard(c) {
    var card = el("a", "chat-card red-packet-card");
    card.href = c.url;
    card.dataset.testid = "chat-red-packet";
    card.dataset.packetId = c.packet_id || "";
    card.appendChild(el("strong", null, (c.store ? c.store + " · " : "") + t.redPacket));
    var grabbed = c.grabbed || 0, count = c.count || 0;
    var state = el("span", "muted red-packet-state",
      grabbed >= count && count ? t.packetDone : t.packetGrabbed.replace("__N__", grabbed).replace("__M__", count));
    state.dataset.testid = "chat-red-packet-state";
    card.appendChild(state);
    if (grabbed >= count && count) card.classList.add("done");
    card.addEventListener("click", function (event) {
      if (openSheet(c.url)) event.preventDefault();
    });
    return card;
  }

  function openSheet(url) {
    if (!window.htmx || !document.getElementById("sheet-root")) return false;
    window.htmx.ajax("GET", url, { target: "#sheet-root", swap: "innerHTML" });
    return true;
  }

  function redrawCard(frame) {
    shown.forEach(function (li) {
      if (li.dataset.id !== frame.id || !frame.card || frame.card.type !== "red_packet") return;
      var old = li.querySelector("[data-testid=chat-red-packet]");
      if (old) old.replaceWith(redPacketCard(frame.card));
    });
  }

  function reviewCard(c) {
    var card = el("div", "chat-card");
    card.appendChild(el("strong", null, t.review + " · " + (c.product_title || "")));
    card.appendChild(el("div", "stars", "★".repeat(c.stars || 0)));
    if (c.text) card.appendChild(el("div", null, c.text));
    card.appendChild(el("div", "muted", c.author || ""));
    return card;
  }

  function actionButton(label, testid, handler) {
    var b = el("button", "link", label);
    b.type = "button";
    b.dataset.testid = testid;
    b.addEventListener("click", handler);
    return b;
  }

  function render(m) {
    var li = el("li", "chat-msg");
    li.dataset.testid = "chat-message";
    li.dataset.seq = String(m.seq);
    li.dataset.id = m.id;
    li.id = "m" + m.seq;
    var mine = m.sender && m.sender.id === cfg.me;
    if (mine) li.classList.add("mine");
    var head = el("div", "chat-head");
    head.appendChild(el("span", "chat-name", m.sender ? m.sender.name : ""));
    head.appendChild(el("time", "muted", new Date(m.created_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })));
    li.appendChild(head);
    if (m.recalled || m.removed) {
      li.classList.add("gone");
      li.appendChild(el("p", "muted chat-text", m.recalled ? t.recalled : t.removed));
      return li;
    }
    if (m.reply_to) {
      var quote = el("a", "chat-quote", (m.reply_to.sender ? m.reply_to.sender.name + ": " : "") + (m.reply_to.text || "…"));
      quote.href = "#m" + m.reply_to.seq;
      li.appendChild(quote);
    }
    if (m.text) {
      var p = el("p", "chat-text", m.text);
      if (m.mentions && m.mentions.indexOf(cfg.me) >= 0) p.classList.add("mentions-me");
      li.appendChild(p);
    }
    if (m.thumbnail) {
      var link = el("a");
      link.href = m.image;
      link.target = "_blank";
      link.rel = "noopener";
      var img = el("img", "chat-image");
      img.src = m.thumbnail;
      img.alt = "";
      link.appendChild(img);
      li.appendChild(link);
    }
    if (m.product) li.appendChild(productCard(m.product));
    if (m.kind === "order" && m.card) li.appendChild(orderCard(m.card));
    if (m.kind === "review" && m.card) li.appendChild(reviewCard(m.card));
    if (m.card && m.card.type === "red_packet") li.appendChild(redPacketCard(m.card));
    var actions = el("div", "chat-actions");
    actions.appendChild(actionButton(t.reply, "message-reply", function () { startReply(m); }));
    var age = Date.now() - new Date(m.created_at).getTime();
    if (mine && age < cfg.recallSeconds * 1000) {
      var recallBtn = actionButton(t.recall, "message-recall", function () { recall(m); });
      actions.appendChild(recallBtn);
      setTimeout(function () { recallBtn.remove(); }, cfg.recallSeconds * 1000 - age);
    }
    if (cfg.isAdmin) actions.appendChild(actionButton(t.remove, "message-remove", function () { removeMessage(m); }));
    if (!mine) actions.appendChild(actionButton(t.report, "message-report", function () { report(m); }));
    li.appendChild(actions);
    return li;
  }

  /* Show a message once, in seq order; a newer state of a shown message replaces it. */
  function show(m) {
    var existing = shown.get(m.seq);
    if (existing) {
      if ((m.recalled || m.removed) && !existing.classList.contains("gone")) {
        var gone = render(m);
        existing.replaceWith(gone);
        shown.set(m.seq, gone);
      }
      return;
    }
    var stick = nearBottom();
    var li = render(m);
    var after = null;
    for (var node = list.lastElementChild; node; node = node.previousElementSibling) {
      if (Number(node.dataset.seq) < m.seq) { after = node; break; }
    }
    if (after) after.after(li); else list.prepend(li);
    shown.set(m.seq, li);
    if (lowest === null || m.seq < lowest) lowest = m.seq;
    while (shown.has(contiguous + 1)) contiguous += 1;
    if (stick || (m.sender && m.sender.id === cfg.me)) li.scrollIntoView({ block: "end" });
    scheduleRead();
  }

  function markDeleted(frame) {
    var li = shown.get(frame.seq);
    if (!li) return;
    var head = li.querySelector(".chat-head");
    li.textContent = "";
    li.classList.add("gone");
    li.classList.remove("mine");
    if (head) li.appendChild(head);
    li.appendChild(el("p", "muted chat-text", frame.reason === "recalled" ? t.recalled : t.removed));
  }

  // --- reading --------------------------------------------------------------------------------

  var readTimer = null;
  function scheduleRead() {
    clearTimeout(readTimer);
    readTimer = setTimeout(sendRead, 400);
  }

  function sendRead() {
    if (document.hidden || !nearBottom() || contiguous <= readSent) return;
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "read", seq: contiguous }));
      readSent = contiguous;
    }
  }

  window.addEventListener("scroll", scheduleRead, { passive: true });
  document.addEventListener("visibilitychange", scheduleRead);

  function loadLatest() {
    return api("GET", "/messages?limit=50").then(function (page) {
      page.items.forEach(show);
      if (page.items.length) contiguous = Math.max(contiguous, page.items[page.items.length - 1].seq);
      earlierBtn.hidden = !page.has_more;
      var target = document.getElementById("m" + (page.last_read_seq + 1));
      if (target) target.scrollIntoView({ block: "start" });
      else if (list.lastElementChild) list.lastElementChild.scrollIntoView({ block: "end" });
    });
  }

  earlierBtn.addEventListener("click", function () {
    if (lowest === null) return;
    var before = list.firstElementChild;
    api("GET", "/messages?limit=50&before_seq=" + lowest).then(function (page) {
      page.items.forEach(show);
      earlierBtn.hidden = !page.has_more;
      if (before) before.scrollIntoView({ block: "start" });
    });
  });

  // --- the socket -----------------------------------------------------------------------------

  function connect() {
    clearTimeout(reconnectTimer);
    if (stopped || (socket && socket.readyState <= WebSocket.OPEN)) return;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + "/ws/circles/" + encodeURIComponent(cfg.circleId) + "/?after=" + contiguous);
    socket = ws;
    ws.onopen = function () {
      backoff = 500;
    };
    ws.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      onFrame(frame);
    };
    ws.onclose = function (event) {
      if (socket !== ws) return;
      socket = null;
      setStatus(false);
      if (event.code === 4401 || event.code === 4403 || event.code === 4404) {
        stopped = true;
        location.href = "/circles/" + encodeURIComponent(cfg.circleId) + "/";
        return;
      }
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    if (stopped || !navigator.onLine) return; // the "online" event reconnects
    clearTimeout(reconnectTimer);
    var delay = backoff + Math.floor(Math.random() * backoff / 2);
    backoff = Math.min(backoff * 2, 30000);
    reconnectTimer = setTimeout(connect, delay);
  }

  function onFrame(frame) {
    if (frame.type === "message") {
      show(frame.message);
    } else if (frame.type === "caught_up") {
      setStatus(true);
      outbox.forEach(function (f) { socket.send(JSON.stringify(f)); });
      scheduleRead();
    } else if (frame.type === "ack") {
      outbox.delete(frame.client_id);
    } else if (frame.type === "message.deleted") {
      markDeleted(frame);
    } else if (frame.type === "card") {
      redrawCard(frame);
    } else if (frame.type === "error") {
      // a send refused while the database is unavailable stays in the outbox: it goes again
      // after the next reconnect (same client_id, so never twice)
      if (frame.client_id && frame.code !== "unavailable") outbox.delete(frame.client_id);
      showError(frame.detail);
    }
  }

  window.addEventListener("offline", function () {
    if (socket) socket.close();
    setStatus(false);
  });
  window.addEventListener("online", function () {
    backoff = 500;
    connect();
  });

  // --- sending --------------------------------------------------------------------------------

  function sendFrame(fields) {
    var frame = Object.assign({ type: "send", client_id: newClientId() }, fields);
    if (replyTo) frame.reply_to = replyTo.id;
    outbox.set(frame.client_id, frame);
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
    showError("");
    cancelReply();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    sendFrame({ kind: "text", text: text });
    input.value = "";
    input.focus();
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  document.getElementById("chat-image").addEventListener("change", function (event) {
    var file = event.target.files[0];
    if (!file) return;
    var data = new FormData();
    data.append("image", file);
    data.append("client_id", newClientId());
    event.target.value = "";
    api("POST", "/messages/image", data).then(show, function (err) { showError(err.detail); });
  });

  var productsBtn = document.getElementById("chat-products");
  if (productsBtn) {
    productsBtn.addEventListener("click", function () {
      if (!picker.hidden) { picker.hidden = true; return; }
      api("GET", "/chat-products").then(function (products) {
        picker.textContent = "";
        if (!products.length) picker.appendChild(el("p", "muted", t.noProducts));
        products.forEach(function (p) {
          var row = el("div", "chat-pick");
          row.appendChild(el("span", null, p.title + " " + yuan(p.price)));
          row.appendChild(actionButton(t.share, "chat-share-product", function () {
            sendFrame({ kind: "product", product_id: p.id });
            picker.hidden = true;
          }));
          picker.appendChild(row);
        });
        picker.hidden = false;
      }, function (err) { showError(err.detail); });
    });
  }

  function startReply(m) {
    replyTo = m;
    replyText.textContent = t.replying + " " + (m.sender ? m.sender.name : "") + ": " + (m.text || "").slice(0, 40);
    replyBar.hidden = false;
    input.focus();
  }

  function cancelReply() {
    replyTo = null;
    replyBar.hidden = true;
  }
  document.getElementById("chat-reply-cancel").addEventListener("click", cancelReply);

  function recall(m) {
    api("POST", "/messages/" + m.id + "/recall").then(function (data) { show(data); }, function (err) { showError(err.detail); });
  }

  function removeMessage(m) {
    if (!window.confirm(t.confirmRemove)) return;
    api("DELETE", "/messages/" + m.id).then(function (data) { show(data); }, function (err) { showError(err.detail); });
  }

  function report(m) {
    var reason = window.prompt(t.reportPrompt);
    if (!reason) return;
    api("POST", "/messages/" + m.id + "/report", { reason: reason.slice(0, 200) }).then(
      function () { showError(""); window.alert(t.reported); },
      function (err) { showError(err.detail); }
    );
  }

  setStatus(false);
  loadLatest().then(connect, function () { connect(); });
})();
