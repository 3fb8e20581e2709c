/* The chat page of a circle (protocol: docs/chat-protocol.md).
 *
 * - History over the HTTP API, live messages over the socket /ws/circles/<id>/?after=<seq>.
 * - Every message is keyed by its seq: a message already shown is never shown again, and
 *   messages are inserted in seq order, so the catch-up/live overlap never doubles anything.
 * - Reconnects with exponential backoff, asking for everything after the last seq it holds
 *   without a gap; unacknowledged sends are resent with the same client_id (one message).
 * - User content only ever goes into the page through textContent / attributes, never as HTML.
 * - Campaign cards (a group buy, a group, a bargain, a coupon) are drawn from their `card` and
 *   redrawn by `card` frames as their state changes; their buttons act in place (a help, a
 *   claim) or link to the campaign's page.
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
    return request(method, apiBase + path, body);
  }

  function request(method, url, body, headers) {
    var opts = {
      method: method,
      credentials: "same-origin",
      headers: Object.assign({ "X-CSRFToken": csrf }, headers || {})
    };
    if (body instanceof FormData) {
      opts.body = body;
    } else if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(function (r) {
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

  /* A `card` frame: the newest state of a card message, drawn in place of the old one (a
     card whose version is not newer is left as it is). */
  function redrawCard(frame) {
    if (!frame.card) return;
    shown.forEach(function (li) {
      if (li.dataset.id !== frame.id) return;
      var old = li.querySelector("[data-card]");
      if (!old) return;
      var version = Number(frame.card.version);
      if (!isNaN(version) && Number(old.dataset.version) > version) return;
      var fresh = drawCard(frame.card, frame.id);
      if (fresh) old.replaceWith(fresh);
    });
  }

  function drawCard(c, messageId) {
    var card = null;
    if (c.type === "red_packet") card = redPacketCard(c);
    else if (c.type === "group") card = groupCard(c);
    else if (c.type === "groupbuy") card = groupbuyCard(c);
    else if (c.type === "bargain") card = bargainCard(c, messageId);
    else if (c.type === "coupon") card = couponCard(c, messageId);
    if (!card) return null;
    card.dataset.card = c.type;
    card.dataset.version = String(c.version || c.grabbed || 0);
    return card;
  }

  // --- campaign cards -------------------------------------------------------------------------

  var results = new Map(); // message id -> {text, ok}: what a tap on a card's button did

  function fill(template, values) {
    var out = template || "";
    Object.keys(values).forEach(function (key) { out = out.split(key).join(String(values[key])); });
    return out;
  }

  function campaignTop(c, testid) {
    var card = el("div", "chat-card campaign-card");
    card.dataset.testid = testid;
    var top = el("div", "campaign-top");
    if (c.image) {
      var img = el("img");
      img.src = c.image;
      img.alt = "";
      img.width = 56;
      img.height = 56;
      top.appendChild(img);
    }
    var info = el("div", "chat-card-info");
    var title = c.url ? el("a", "chat-card-title", c.title) : el("strong", "chat-card-title", c.title);
    if (c.url) title.href = c.url;
    info.appendChild(title);
    if (c.store) info.appendChild(el("span", "muted", c.store));
    top.appendChild(info);
    card.appendChild(top);
    return { card: card, info: info };
  }

  function prices(c) {
    var row = el("div", "campaign-prices");
    if (c.price !== null && c.price !== undefined) row.appendChild(el("span", "price", yuan(c.price)));
    if (c.original_price && c.original_price !== c.price) row.appendChild(el("s", "muted", yuan(c.original_price)));
    if (c.team_size) row.appendChild(el("span", "campaign-tag", fill(t.team, { __N__: c.team_size })));
    return row;
  }

  /* A countdown to `iso` (the ticker below updates it every second). */
  function countdown(iso, testid) {
    var box = el("div", "campaign-countdown");
    box.appendChild(el("span", "muted", t.timeLeft + " "));
    var clock = el("strong", "campaign-clock");
    clock.dataset.deadline = iso;
    clock.dataset.testid = testid;
    box.appendChild(clock);
    tickOne(clock);
    return box;
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function tickOne(clock) {
    var left = Math.floor((Date.parse(clock.dataset.deadline) - Date.now()) / 1000);
    if (isNaN(left)) return;
    if (left <= 0) {
      clock.textContent = t.timeUp;
      var card = clock.closest("[data-card]");
      if (card && !card.classList.contains("over")) {
        card.classList.add("over");
        card.querySelectorAll("[data-live-action]").forEach(function (b) { b.remove(); });
      }
      return;
    }
    var days = Math.floor(left / 86400);
    clock.textContent = (days ? days + t.dayUnit + " " : "") + pad(Math.floor((left % 86400) / 3600)) + ":" +
      pad(Math.floor((left % 3600) / 60)) + ":" + pad(left % 60);
  }

  setInterval(function () { list.querySelectorAll("[data-deadline]").forEach(tickOne); }, 1000);

  function stateLine(text, testid, cls) {
    var line = el("div", "campaign-state" + (cls ? " " + cls : ""), text);
    line.dataset.testid = testid;
    return line;
  }

  function resultLine(card, messageId) {
    var line = el("div", "campaign-result", "");
    line.dataset.testid = "chat-card-result";
    line.setAttribute("role", "status");
    var done = results.get(messageId);
    if (done) {
      line.textContent = done.text;
      line.classList.add(done.ok ? "ok" : "refused");
    } else {
      line.hidden = true;
    }
    card.appendChild(line);
    return line;
  }

  /* A button that acts in place (POST to the campaign's own endpoint) and says what happened
     under the card; the card itself is redrawn by the `card` frame that follows. */
  function actButton(label, testid, url, messageId, done) {
    var b = el("button", "btn small", label);
    b.type = "button";
    b.dataset.testid = testid;
    b.dataset.liveAction = "1";
    b.addEventListener("click", function () {
      b.disabled = true;
      request("POST", url, {}, { "Idempotency-Key": newClientId() }).then(function (data) {
        showResult(messageId, done(data), true);
      }, function (err) {
        showResult(messageId, (err && err.detail) || t.offline, false);
        b.disabled = false;
      });
    });
    return b;
  }

  /* Say under the message's card what the tap did; the card may have been redrawn by a `card`
     frame meanwhile, so the line is found again (and kept for later redraws). */
  function showResult(messageId, text, ok) {
    results.set(messageId, { text: text, ok: ok });
    shown.forEach(function (li) {
      if (li.dataset.id !== messageId) return;
      var line = li.querySelector("[data-card] [data-testid=chat-card-result]");
      if (!line) return;
      line.textContent = text;
      line.className = "campaign-result " + (ok ? "ok" : "refused");
      line.hidden = false;
    });
  }

  function avatars(members, empty) {
    var row = el("div", "campaign-avatars");
    row.dataset.testid = "chat-group-members";
    (members || []).forEach(function (m) {
      var a = el("span", "campaign-avatar" + (m.paid ? "" : " paying"));
      a.title = m.name;
      if (m.avatar) {
        var img = el("img");
        img.src = m.avatar;
        img.alt = "";
        a.appendChild(img);
      } else {
        a.textContent = (m.name || "?").slice(0, 1);
      }
      row.appendChild(a);
    });
    for (var i = 0; i < Math.min(empty, 10); i++) row.appendChild(el("span", "campaign-avatar empty", "?"));
    return row;
  }

  /* A group buy's group: price, 还差 N 人, the countdown to its deadline, members; 参团 opens
     the checkout sheet at the group price over the chat (the group's page without HTMX). */
  function groupCard(c) {
    var made = campaignTop(c, "chat-group");
    var card = made.card;
    card.dataset.groupId = c.group_id;
    card.dataset.campaignId = c.campaign_id;
    made.info.appendChild(prices(c));
    var open = c.status === "open";
    if (open && c.seats_left > 0) card.appendChild(stateLine(fill(t.groupLeft, { __N__: c.seats_left }), "chat-group-state"));
    else if (open) card.appendChild(stateLine(t.groupFull, "chat-group-state"));
    else if (c.status === "complete") card.appendChild(stateLine(t.groupComplete, "chat-group-state", "ok"));
    else card.appendChild(stateLine(t.groupFailed, "chat-group-state", "refused"));
    card.appendChild(avatars(c.members, open ? c.seats_left : 0));
    if (open) card.appendChild(countdown(c.expires_at, "chat-group-countdown"));
    if (open && c.seats_left > 0) {
      var join = el("a", "btn small", t.groupJoin);
      join.href = c.url;
      join.dataset.testid = "chat-group-join";
      join.dataset.liveAction = "1";
      join.dataset.groupbuyJoin = "1";
      join.dataset.groupId = c.group_id;
      join.dataset.campaignId = c.campaign_id;
      join.addEventListener("click", function (event) {
        var url = "/orders/buy-now/sheet/?offer=groupjoin&ref=" + encodeURIComponent(c.group_id);
        if (openSheet(url)) event.preventDefault();
      });
      card.appendChild(join);
    }
    if (!open) card.classList.add("over");
    return card;
  }

  /* A group buy campaign: group and normal price, team size, groups forming, the countdown to
     its end; a link to its page to start or join a group. */
  function groupbuyCard(c) {
    var made = campaignTop(c, "chat-groupbuy");
    var card = made.card;
    card.dataset.campaignId = c.campaign_id;
    made.info.appendChild(prices(c));
    card.appendChild(stateLine(fill(t.groupsForming, { __N__: c.groups_forming || 0 }), "chat-groupbuy-state"));
    card.appendChild(countdown(c.ends_at, "chat-groupbuy-countdown"));
    var go = el("a", "btn small", t.groupbuyOpen);
    go.href = c.url;
    go.dataset.testid = "chat-groupbuy-open";
    go.dataset.liveAction = "1";
    go.dataset.groupbuyJoin = "1";
    go.dataset.campaignId = c.campaign_id;
    card.appendChild(go);
    return card;
  }

  /* A bargain: the true current price and floor, a true progress bar (fen cut of fen to cut),
     the time left and 帮砍一刀, which helps in place. */
  function bargainCard(c, messageId) {
    var made = campaignTop(c, "chat-bargain");
    var card = made.card;
    card.dataset.bargainId = c.bargain_id;
    if (c.starter) made.info.appendChild(el("span", "muted", fill(t.bargainAsk, { __NAME__: c.starter.name })));
    var row = el("div", "campaign-prices");
    var now = el("span", "price", fill(t.bargainNow, { __P__: yuan(c.current_price) }));
    now.dataset.testid = "chat-bargain-price";
    row.appendChild(now);
    row.appendChild(el("span", "muted", fill(t.bargainFloor, { __P__: yuan(c.floor_price) })));
    card.appendChild(row);
    var room = c.start_price - c.floor_price, cut = c.start_price - c.current_price;
    var bar = el("progress", "campaign-progress");
    bar.max = room;
    bar.value = cut;
    bar.dataset.testid = "chat-bargain-progress";
    card.appendChild(bar);
    card.appendChild(el("div", "muted", fill(t.bargainProgress, { __C__: yuan(cut), __L__: yuan(c.current_price - c.floor_price) })));
    var live = c.status === "open";
    if (live) card.appendChild(countdown(c.expires_at, "chat-bargain-countdown"));
    else {
      var label = { floor_reached: t.bargainAtFloor, bought: t.bargainBought, expired: t.bargainExpired }[c.status];
      card.appendChild(stateLine(label || "", "chat-bargain-state", c.status === "expired" ? "refused" : "ok"));
      if (c.status !== "floor_reached") card.classList.add("over");
    }
    var mine = c.starter && c.starter.id === cfg.me;
    if (live && !mine) {
      card.appendChild(actButton(t.bargainHelp, "chat-bargain-help", c.help_url, messageId, function (data) {
        return fill(t.bargainCut, { __A__: yuan(data.amount) });
      }));
    } else {
      var view = el("a", "btn small secondary", t.view);
      view.href = c.url;
      view.dataset.testid = "chat-bargain-view";
      card.appendChild(view);
    }
    resultLine(card, messageId);
    return card;
  }

  function couponValue(c) {
    if (c.kind === "percent") return fill(t.couponPercent, { __P__: c.percent_off });
    return fill(t.couponAmount, { __A__: yuan(c.amount_off) });
  }

  function couponCondition(c) {
    var parts = [c.min_spend ? fill(t.couponMin, { __A__: yuan(c.min_spend) }) : t.couponNoMin];
    if (c.kind === "percent" && c.max_off) parts.push(fill(t.couponMax, { __A__: yuan(c.max_off) }));
    return parts.join(" · ");
  }

  /* A coupon: its value, condition, what is left and until when; 领取 claims it in place. */
  function couponCard(c, messageId) {
    var card = el("div", "chat-card campaign-card coupon-card");
    card.dataset.testid = "chat-coupon";
    card.dataset.couponId = c.coupon_id;
    var value = el("strong", "coupon-value", couponValue(c));
    value.dataset.testid = "chat-coupon-value";
    card.appendChild(value);
    card.appendChild(el("span", "chat-card-title", c.name));
    card.appendChild(el("span", "muted", (c.store ? c.store + " · " : "") + couponCondition(c)));
    if (c.state === "open") {
      card.appendChild(stateLine(fill(t.couponLeft, { __N__: c.left }), "chat-coupon-state"));
      if (c.ends_at) card.appendChild(countdown(c.ends_at, "chat-coupon-countdown"));
      else if (c.valid_days) card.appendChild(el("span", "muted", fill(t.couponDays, { __N__: c.valid_days })));
      card.appendChild(actButton(t.couponClaim, "chat-coupon-claim", c.claim_url, messageId, function () {
        return t.couponClaimed;
      }));
    } else {
      card.appendChild(stateLine(c.state === "sold_out" ? t.couponSoldOut : t.couponEnded, "chat-coupon-state", "refused"));
      card.classList.add("over");
    }
    resultLine(card, messageId);
    return card;
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
    if ((m.kind === "campaign" || m.kind === "system") && m.card && m.card.type) {
      var drawn = drawCard(m.card, m.id);
      if (drawn) li.appendChild(drawn);
    }
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

  var cardsBtn = document.getElementById("chat-cards");
  cardsBtn.addEventListener("click", function () {
    if (!picker.hidden && picker.dataset.kind === "cards") { picker.hidden = true; return; }
    api("GET", "/chat-cards").then(function (options) {
      picker.textContent = "";
      picker.dataset.kind = "cards";
      if (!options.length) picker.appendChild(el("p", "muted", t.noCards));
      options.forEach(function (o) {
        var row = el("div", "chat-pick");
        row.dataset.testid = "chat-card-option";
        row.dataset.cardType = o.card_type;
        row.appendChild(el("span", null, o.title + (o.detail ? " · " + o.detail : "")));
        row.appendChild(actionButton(t.share, "chat-share-card", function () {
          sendFrame({ kind: "campaign", card_type: o.card_type, target_id: o.target_id });
          picker.hidden = true;
        }));
        picker.appendChild(row);
      });
      picker.hidden = false;
    }, function (err) { showError(err.detail); });
  });

  var productsBtn = document.getElementById("chat-products");
  if (productsBtn) {
    productsBtn.addEventListener("click", function () {
      if (!picker.hidden && picker.dataset.kind === "products") { picker.hidden = true; return; }
      api("GET", "/chat-products").then(function (products) {
        picker.textContent = "";
        picker.dataset.kind = "products";
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
