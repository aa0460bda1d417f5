/*
 * The shop's cart on every page: the header's cart count, "Add to cart" on product tiles, and the
 * guest-to-customer merge at login. One cart with the chat: a guest's cart is keyed by the chat
 * widget's conversation id (localStorage "shopbot.sender"), a logged-in shopper's by the signed
 * identity ("shopbot.identity"), exactly as the chat actions key it. API: web/openapi.yaml.
 */
(function () {
  "use strict";

  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  function requestId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return String(Date.now()) + "-" + String(Math.random()).slice(2, 12);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function formatPrice(price, currency) {
    try {
      return new Intl.NumberFormat("en-US", { style: "currency", currency: currency || "USD" }).format(Number(price));
    } catch (e) {
      return price + " " + currency;
    }
  }

  var ShopCart = {
    session: function () { return load("shopbot.sender"); },
    identity: function () { return load("shopbot.identity"); },

    /* fetch() for the cart API: identity header, JSON, and {"error"} answers as rejections. */
    call: function (method, path, body) {
      var headers = { Accept: "application/json" };
      var token = this.identity();
      if (token) headers["X-Shop-Identity"] = token;
      var options = { method: method, headers: headers };
      if (body) {
        headers["Content-Type"] = "application/json";
        options.body = JSON.stringify(body);
      }
      return fetch(path, options).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) {
            var error = new Error(data.error || "The shop server answered " + response.status);
            error.reason = data.reason;
            error.fields = data.fields;
            throw error;
          }
          return data;
        });
      });
    },

    query: function (extra) {
      var params = new URLSearchParams(extra || {});
      var session = this.session();
      if (session) params.set("session", session);
      return params.toString();
    },

    get: function () { return this.call("GET", "/api/cart?" + this.query()); },

    add: function (productId, options) {
      var body = { session: this.session(), product_id: productId, quantity: 1, request_id: requestId() };
      Object.keys(options || {}).forEach(function (key) { body[key] = options[key]; });
      return this.call("POST", "/api/cart/items", body).then(function (data) { ShopCart.refreshCount(); return data; });
    },

    setQuantity: function (lineId, quantity) {
      return this.call("PATCH", "/api/cart/items/" + lineId, { session: this.session(), quantity: quantity, request_id: requestId() });
    },

    remove: function (lineId) { return this.call("DELETE", "/api/cart/items/" + lineId + "?" + this.query()); },

    empty: function () { return this.call("DELETE", "/api/cart?" + this.query()); },

    /* After a login: what the guest put in the cart moves into the customer's cart. */
    merge: function (guestSession, token) {
      if (!guestSession || !token) return Promise.resolve(null);
      return fetch("/api/cart/merge", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-Shop-Identity": token },
        body: JSON.stringify({ session: guestSession }),
      }).then(function () { ShopCart.refreshCount(); }, function () { ShopCart.refreshCount(); });
    },

    refreshCount: function () {
      var badge = document.querySelector("[data-role=cart-count]");
      if (!badge) return Promise.resolve();
      if (!this.session() && !this.identity()) {
        badge.textContent = "0";
        return Promise.resolve();
      }
      return this.get().then(function (cart) {
        badge.textContent = String(cart.units);
        badge.parentNode.setAttribute("aria-label", "Cart, " + cart.units + (cart.units === 1 ? " item" : " items"));
      }).catch(function () { /* the count stays as it was */ });
    },

    /* "Add to cart" on a product tile; a product with sizes or colours gets a choice first. */
    decorateTile: function (tile, product) {
      var row = el("div", "product-cart");
      var button = el("button", "product-add", "Add to cart");
      button.type = "button";
      button.disabled = !product.in_stock;
      var note = el("p", "product-cart-note");
      note.setAttribute("role", "status");
      row.appendChild(button);
      tile.appendChild(row);
      tile.appendChild(note);
      button.addEventListener("click", function () {
        button.disabled = true;
        ShopCart.call("GET", "/api/products/" + product.id + "/options")
          .then(function (choice) {
            if (!choice.options.length) return ShopCart.add(product.id);
            return ShopCart.choose(row, choice).then(function (variantId) {
              return variantId ? ShopCart.add(product.id, { variant_id: variantId }) : null;
            });
          })
          .then(function (result) { if (result) note.textContent = result.message; })
          .catch(function (error) { note.textContent = error.message; })
          .then(function () { button.disabled = !product.in_stock; });
      });
    },

    choose: function (row, choice) {
      return new Promise(function (resolve) {
        var select = el("select", "product-variant");
        select.setAttribute("aria-label", choice.question);
        var prompt = el("option", null, choice.attribute === "size" ? "Choose a size" : "Choose a colour");
        prompt.value = "";
        select.appendChild(prompt);
        choice.options.forEach(function (option) {
          var item = el("option", null, option.label);
          item.value = String(option.variant_id);
          item.disabled = option.stock <= 0;
          select.appendChild(item);
        });
        select.addEventListener("change", function () {
          var value = select.value;
          row.removeChild(select);
          resolve(value ? Number(value) : null);
        });
        row.insertBefore(select, row.firstChild);
        select.focus();
      });
    },

    /* Refresh when the chat finished an exchange (it may have changed the cart): the count, and
     * whatever the page registers (the cart page re-reads its lines). One observer per page. */
    watchers: [],
    watchChat: function (callback) {
      if (callback) this.watchers.push(callback);
      var chat = document.getElementById("chat");
      if (this.observer || !chat || !window.MutationObserver) return;
      this.observer = new MutationObserver(function () {
        ShopCart.refreshCount();
        ShopCart.watchers.forEach(function (watcher) { watcher(); });
      });
      this.observer.observe(chat, { attributes: true, attributeFilter: ["data-exchanges"] });
    },

    el: el,
    formatPrice: formatPrice,
  };

  window.ShopCart = ShopCart;
  document.addEventListener("DOMContentLoaded", function () {
    ShopCart.refreshCount();
    ShopCart.watchChat();
  });
})();
