/*
 * The shop's chat widget: a small, dependency-free client of the shop server's chat API
 * (POST /api/chat, GET /api/history; see web/openapi.yaml and web/README.md).
 *
 * - The conversation survives reloads: the sender id lives in localStorage and the history is
 *   restored from Rasa's tracker through the shop server.
 * - The logged-in identity is a signed token issued by the shop server (/api/login); it is sent
 *   with every message and checked by the action server. The widget never sends a customer id.
 * - Bot text arrives as HTML rendered and sanitised on the server; everything else (card titles,
 *   button titles, the shopper's own words) is inserted as text, never as HTML.
 */
(function () {
  "use strict";

  /* The longest message the server takes (web/rasa.py MAX_MESSAGE_CHARS). The input has no
   * maxlength: a pasted long text would be cut silently; the shopper is told instead. */
  var MAX_MESSAGE_CHARS = 2000;

  function tooLongText(length) {
    return "Your message is too long (" + length.toLocaleString("en-US") + " characters; at most " +
      MAX_MESSAGE_CHARS.toLocaleString("en-US") + "). Please shorten it and send it again.";
  }

  var KEYS = {
    sender: "shopbot.sender",
    identity: "shopbot.identity",
    customer: "shopbot.customer",
    open: "shopbot.chatOpen",
  };

  function store(key, value) {
    try {
      if (value === null || value === undefined) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, value);
    } catch (e) { /* storage disabled: the chat still works, it just forgets on reload */ }
  }

  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  function newSenderId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function formatPrice(price, currency) {
    var amount = Number(price);
    if (!isFinite(amount)) return price + (currency ? " " + currency : "");
    try {
      return new Intl.NumberFormat("en-US", { style: "currency", currency: currency || "USD" }).format(amount);
    } catch (e) {
      return amount.toFixed(2) + " " + currency;
    }
  }

  function stockText(card) {
    if (!card.in_stock) return "Out of stock";
    if (typeof card.stock === "number" && card.stock > 0 && card.stock <= 5) return "Only " + card.stock + " left";
    return "In stock";
  }

  function ratingText(card) {
    if (typeof card.rating !== "number") return "No ratings yet";
    var count = card.rating_count ? " (" + card.rating_count + ")" : "";
    return "\u2605 " + card.rating.toFixed(1) + count;
  }

  function ShopChat(root) {
    this.root = root;
    this.panel = root.querySelector(".chat-panel");
    this.launcher = root.querySelector(".chat-launcher");
    this.log = root.querySelector("[data-role=log]");
    this.typing = root.querySelector("[data-role=typing]");
    this.form = root.querySelector("[data-role=form]");
    this.input = this.form.querySelector("input");
    this.sendButton = this.form.querySelector("button");
    this.handoffBanner = root.querySelector("[data-role=handoff]");
    this.identityLabel = root.querySelector("[data-role=identity]");
    this.pending = 0;
    this.seen = {}; // ids of the agents' messages and notices shown (see pollHandoff)
    this.sender = load(KEYS.sender);
    if (!this.sender) {
      this.sender = newSenderId();
      store(KEYS.sender, this.sender);
    }
    this.bind();
    this.showIdentity();
    this.setOpen(load(KEYS.open) === "true");
    this.restoreHistory();
  }

  ShopChat.prototype.bind = function () {
    var self = this;
    this.launcher.addEventListener("click", function () { self.setOpen(true); });
    this.root.querySelector("[data-role=close]").addEventListener("click", function () { self.setOpen(false); });
    this.root.querySelector("[data-role=restart]").addEventListener("click", function () { self.startNewConversation(); });
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = self.input.value.trim();
      if (!text) return;
      if (text.length > MAX_MESSAGE_CHARS) {
        self.renderSystem(tooLongText(text.length));
        return; // the text stays in the box, to be shortened
      }
      self.input.value = "";
      self.send(text, text);
    });
  };

  ShopChat.prototype.setOpen = function (open) {
    this.root.setAttribute("data-open", open ? "true" : "false");
    this.panel.hidden = !open;
    this.launcher.hidden = open;
    this.launcher.setAttribute("aria-expanded", open ? "true" : "false");
    store(KEYS.open, open ? "true" : "false");
    if (open) {
      this.scrollToEnd();
      this.input.focus();
    }
  };

  /* ---- identity ------------------------------------------------------------------------------ */

  ShopChat.prototype.identity = function () { return load(KEYS.identity); };

  ShopChat.prototype.customer = function () {
    try { return JSON.parse(load(KEYS.customer) || "null"); } catch (e) { return null; }
  };

  /* Log in or out. A new identity is a new conversation: one shopper never sees another's chat. */
  ShopChat.prototype.setIdentity = function (token, customer) {
    store(KEYS.identity, token || null);
    store(KEYS.customer, customer ? JSON.stringify(customer) : null);
    this.showIdentity();
    this.startNewConversation();
  };

  ShopChat.prototype.showIdentity = function () {
    var customer = this.customer();
    this.identityLabel.textContent = customer ? "chatting as " + customer.name : "chatting as a guest";
  };

  ShopChat.prototype.startNewConversation = function () {
    this.sender = newSenderId();
    store(KEYS.sender, this.sender);
    this.log.textContent = "";
    this.showHandoff(null);
  };

  /* ---- talking to the server ----------------------------------------------------------------- */

  ShopChat.prototype.restoreHistory = function () {
    var self = this;
    var sender = this.sender;
    return fetch("/api/history?sender=" + encodeURIComponent(sender), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (history) {
        if (!history || sender !== self.sender) return;
        self.log.textContent = "";
        history.messages.forEach(function (message) { self.render(message); });
        self.dropStaleQuickReplies(true);
        if (history.handoff_ticket !== null && history.handoff_ticket !== undefined) self.showHandoff(history.handoff_ticket);
        else if (history.paused) self.showHandoff(0);
        self.scrollToEnd();
      })
      .catch(function () { /* no history (server down): start with an empty chat */ });
  };

  /* Send `payload` (what Rasa receives) shown as `label` (what the shopper sees). */
  ShopChat.prototype.send = function (label, payload) {
    var self = this;
    var sender = this.sender;
    this.dropStaleQuickReplies(false);
    this.render({ role: "user", text: label });
    this.setTyping(+1);
    var body = { sender: sender, message: payload };
    var token = this.identity();
    if (token) body.identity = token;
    return fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (response.status === 413) {
            var refused = new Error(data.error || tooLongText(payload.length));
            refused.refused = true;
            throw refused;
          }
          if (!response.ok) throw new Error(data.error || "The assistant is not reachable right now.");
          return data;
        });
      })
      .then(function (data) {
        if (sender !== self.sender) return;
        data.messages.forEach(function (message) { self.render(message); });
        if (!data.messages.length && !self.handoffActive) {
          self.renderSystem("The assistant has nothing to add to that.");
        }
      })
      .catch(function (error) {
        if (sender !== self.sender) return;
        if (error.refused) self.renderSystem(error.message);
        else self.renderSystem(error.message + " Your message is back in the box; press Send to try again.");
        if (payload === label) self.input.value = label;
      })
      .then(function () {
        self.setTyping(-1);
        self.scrollToEnd();
        // How many exchanges have completed: lets a test (or a host page) wait for an answer.
        self.exchanges = (self.exchanges || 0) + 1;
        self.root.setAttribute("data-exchanges", String(self.exchanges));
      });
  };

  /* ---- rendering ------------------------------------------------------------------------------ */

  ShopChat.prototype.setTyping = function (delta) {
    this.pending = Math.max(0, this.pending + delta);
    this.typing.hidden = this.pending === 0;
    this.root.setAttribute("data-busy", this.pending ? "true" : "false");
    if (this.pending) this.scrollToEnd();
  };

  ShopChat.prototype.scrollToEnd = function () {
    this.log.scrollTop = this.log.scrollHeight;
  };

  ShopChat.prototype.renderSystem = function (text) {
    var item = el("li", "chat-message chat-system", text);
    item.setAttribute("role", "status");
    this.log.appendChild(item);
    this.scrollToEnd();
  };

  ShopChat.prototype.render = function (message) {
    if (message.id) this.seen[message.id] = true;
    if (message.role === "system") return this.renderSystem(message.text);
    var item = el("li", "chat-message chat-" + message.role);
    if (message.role === "agent") {
      // A person of the shop's team (the agent console): their words are text, never markup.
      item.appendChild(el("div", "chat-agent-name", message.agent));
      item.appendChild(el("div", "chat-bubble", message.text));
      this.log.appendChild(item);
      return;
    }
    if (message.role === "user") {
      item.appendChild(el("div", "chat-bubble", message.text));
      this.log.appendChild(item);
      return;
    }
    if (message.html) {
      var bubble = el("div", "chat-bubble chat-markdown");
      bubble.innerHTML = message.html; // rendered and sanitised by the server (markdown-it, no raw HTML)
      item.appendChild(bubble);
    }
    if (message.image_url) {
      var image = el("img", "chat-image");
      image.src = message.image_url;
      image.alt = "";
      item.appendChild(image);
    }
    if (message.cards && message.cards.length) item.appendChild(this.renderCarousel(message.cards));
    if (message.buttons && message.buttons.length) item.appendChild(this.renderQuickReplies(message.buttons));
    if (message.handoff) {
      this.showHandoff(message.handoff.ticket_id);
      var ticket = message.handoff.ticket_id ? " (ticket #" + message.handoff.ticket_id + ")" : "";
      item.appendChild(el("div", "chat-bubble chat-handoff-note", "Handed over to our team" + ticket + "."));
    }
    if (item.childNodes.length) this.log.appendChild(item);
  };

  ShopChat.prototype.renderQuickReplies = function (buttons) {
    var self = this;
    var row = el("div", "chat-quick-replies");
    buttons.forEach(function (button) {
      var node = el("button", "chat-quick-reply", button.title);
      node.type = "button";
      node.addEventListener("click", function () { self.send(button.title, button.payload); });
      row.appendChild(node);
    });
    return row;
  };

  /* Quick replies belong to the latest question: once the shopper answers, older ones go. */
  ShopChat.prototype.dropStaleQuickReplies = function (keepLast) {
    var rows = this.log.querySelectorAll(".chat-quick-replies");
    var last = this.log.lastElementChild;
    Array.prototype.forEach.call(rows, function (row) {
      if (keepLast && last && last.contains(row)) return;
      row.parentNode.removeChild(row);
    });
  };

  ShopChat.prototype.renderCarousel = function (cards) {
    var self = this;
    var carousel = el("div", "chat-carousel");
    var track = el("ul", "chat-cards");
    track.setAttribute("aria-label", cards.length + " products");
    cards.forEach(function (card) { track.appendChild(self.renderCard(card)); });
    carousel.appendChild(track);
    if (cards.length > 1) {
      var previous = el("button", "chat-carousel-nav chat-carousel-prev", "\u2039");
      var next = el("button", "chat-carousel-nav chat-carousel-next", "\u203a");
      previous.type = next.type = "button";
      previous.setAttribute("aria-label", "Previous products");
      next.setAttribute("aria-label", "More products");
      previous.addEventListener("click", function () { track.scrollBy({ left: -track.clientWidth * 0.8, behavior: "smooth" }); });
      next.addEventListener("click", function () { track.scrollBy({ left: track.clientWidth * 0.8, behavior: "smooth" }); });
      carousel.appendChild(previous);
      carousel.appendChild(next);
    }
    return carousel;
  };

  ShopChat.prototype.renderCard = function (card) {
    var self = this;
    var item = el("li", "chat-card");
    item.setAttribute("data-product-id", String(card.id));
    var image = el("img", "chat-card-image");
    image.alt = "";
    image.loading = "lazy";
    image.src = card.image_url || "/static/img/product-placeholder.svg";
    item.appendChild(image);
    var body = el("div", "chat-card-body");
    body.appendChild(el("h3", "chat-card-title", card.title));
    body.appendChild(el("div", "chat-card-price", formatPrice(card.price, card.currency)));
    var facts = el("div", "chat-card-facts");
    facts.appendChild(el("span", "chat-card-rating", ratingText(card)));
    var stock = el("span", "chat-card-stock" + (card.in_stock ? "" : " chat-card-out"), stockText(card));
    facts.appendChild(stock);
    body.appendChild(facts);
    if (card.reason) body.appendChild(el("p", "chat-card-reason", card.reason));
    var actions = el("div", "chat-card-actions");
    (card.buttons || []).forEach(function (button) {
      var node = el("button", "chat-card-button", button.title);
      node.type = "button";
      if (/add_to_cart/.test(button.payload) && !card.in_stock) node.disabled = true;
      node.addEventListener("click", function () { self.send(button.title + ": " + card.title, button.payload); });
      actions.appendChild(node);
    });
    body.appendChild(actions);
    item.appendChild(body);
    return item;
  };

  ShopChat.prototype.handoffText = function (ticket) {
    var number = ticket ? " (ticket #" + ticket + ")" : "";
    return "A human will take over" + number + ". You can keep writing here; our team sees this conversation.";
  };

  /* While a person has the conversation, their messages arrive through the history (Rasa's
   * tracker): poll it, add what is new, and stop when they hand the conversation back. */
  var POLL_MS = 2000;

  ShopChat.prototype.pollHandoff = function () {
    var self = this;
    var sender = this.sender;
    return fetch("/api/history?sender=" + encodeURIComponent(sender), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (history) {
        if (!history || sender !== self.sender || !self.handoffActive) return;
        history.messages.forEach(function (message) {
          if (message.id && !self.seen[message.id]) self.render(message);
        });
        if (!history.paused && (history.handoff_ticket === null || history.handoff_ticket === undefined)) {
          self.showHandoff(null);
        }
        self.scrollToEnd();
      })
      .catch(function () { /* try again at the next tick */ });
  };

  ShopChat.prototype.showHandoff = function (ticket) {
    var self = this;
    this.handoffActive = ticket !== null && ticket !== undefined;
    if (this.handoffActive && !this.pollTimer) {
      this.pollTimer = window.setInterval(function () { self.pollHandoff(); }, POLL_MS);
    } else if (!this.handoffActive && this.pollTimer) {
      window.clearInterval(this.pollTimer);
      this.pollTimer = null;
    }
    this.root.setAttribute("data-handoff", this.handoffActive ? "true" : "false");
    this.handoffBanner.hidden = !this.handoffActive;
    this.handoffBanner.textContent = this.handoffActive ? this.handoffText(ticket) : "";
  };

  window.ShopChat = ShopChat;
})();
