/*
 * The checkout page (/checkout): the summary of the shopper's cart (lines, shipping methods and
 * costs from the shipping policy, total), email and shipping address (filled in from the account
 * for a logged-in shopper, asked of a guest), payment on delivery, and "Place order".
 *
 * The summary carries a token naming exactly that state of the cart; placing the order sends it
 * back, so an order is placed once even if the button is pressed twice, and a cart changed in
 * the meantime (in the chat, say) is shown again instead of being placed unseen.
 */
(function () {
  "use strict";

  var ShopCart = window.ShopCart;
  var el = ShopCart.el;
  var chat = new window.ShopChat(document.getElementById("chat"));
  var form = document.getElementById("checkout-form");
  var lines = document.getElementById("checkout-lines");
  var methods = document.getElementById("checkout-methods");
  var error = document.getElementById("checkout-error");
  var emptyNote = document.getElementById("checkout-empty");
  var done = document.getElementById("checkout-done");
  var submit = form.querySelector("button[type=submit]");
  var state = { summary: null, method: "standard", placed: false };

  function showError(message) {
    error.textContent = message || "";
    error.hidden = !message;
  }

  function fill(name, value) {
    var input = form.elements[name];
    if (input && value && !input.value) input.value = value;
  }

  function render(summary) {
    state.summary = summary;
    state.method = summary.shipping_method;
    lines.textContent = "";
    summary.cart.lines.forEach(function (line) {
      var variant = [line.size, line.color].filter(Boolean).join(", ");
      var item = el("li", "checkout-line");
      item.setAttribute("data-line-id", String(line.line_id));
      item.appendChild(el("span", "checkout-line-label", line.quantity + " \u00d7 " + line.title + (variant ? " (" + variant + ")" : "")));
      item.appendChild(el("span", "checkout-line-total", ShopCart.formatPrice(line.line_total, line.currency)));
      lines.appendChild(item);
    });
    Array.prototype.forEach.call(methods.querySelectorAll("label"), function (label) { methods.removeChild(label); });
    summary.shipping_methods.forEach(function (method) {
      var label = el("label", "checkout-method");
      var radio = el("input");
      radio.type = "radio";
      radio.name = "method";
      radio.value = method.code;
      radio.checked = method.code === summary.shipping_method;
      radio.addEventListener("change", function () { if (radio.checked) load(method.code); });
      label.appendChild(radio);
      var cost = Number(method.cost) === 0 ? "free" : ShopCart.formatPrice(method.cost, summary.currency);
      label.appendChild(el("span", null, " " + method.name + " \u2014 " + cost));
      methods.appendChild(label);
    });
    if (summary.email) fill("email", summary.email);
    if (summary.address) {
      ["name", "street", "postcode", "city"].forEach(function (key) { fill(key, summary.address[key]); });
      form.elements.country.value = summary.address.country || form.elements.country.value;
    }
    document.getElementById("checkout-subtotal").textContent = ShopCart.formatPrice(summary.cart.subtotal, summary.currency);
    document.getElementById("checkout-shipping").textContent =
      Number(summary.shipping) === 0 ? "free" : ShopCart.formatPrice(summary.shipping, summary.currency);
    document.getElementById("checkout-total").textContent = ShopCart.formatPrice(summary.total, summary.currency);
    form.hidden = false;
    emptyNote.hidden = true;
  }

  function load(method) {
    var query = ShopCart.query(method ? { method: method } : {});
    return ShopCart.call("GET", "/api/checkout?" + query)
      .then(function (summary) { render(summary); })
      .catch(function (problem) {
        form.hidden = true;
        if (problem.reason === "cart_empty") {
          emptyNote.hidden = false;
          showError(null);
        } else {
          showError(problem.message);
        }
      })
      .then(function () { ShopCart.refreshCount(); });
  }

  function address() {
    var values = {};
    ["name", "street", "postcode", "city", "country"].forEach(function (key) { values[key] = form.elements[key].value; });
    return values;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!state.summary || state.placed) return;
    submit.disabled = true;
    showError(null);
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (input) { input.removeAttribute("aria-invalid"); });
    ShopCart.call("POST", "/api/checkout", {
      session: ShopCart.session(),
      token: state.summary.token,
      method: state.method,
      email: form.elements.email.value,
      address: address(),
    })
      .then(function (placed) {
        state.placed = true;
        form.hidden = true;
        done.hidden = false;
        done.textContent = "";
        done.setAttribute("data-order-number", String(placed.order_number));
        done.appendChild(el("h2", null, "Thank you!"));
        done.appendChild(el("p", "checkout-done-message", placed.message));
        done.appendChild(el("p", null, "You pay on delivery. Ask the assistant about order " + placed.order_number + " at any time."));
        ShopCart.refreshCount();
      })
      .catch(function (problem) {
        showError(problem.message); // an invalid address names each field that is wrong
        Object.keys(problem.fields || {}).forEach(function (key) {
          if (form.elements[key]) form.elements[key].setAttribute("aria-invalid", "true");
        });
        // The cart changed (in the chat, say) or stock ran out: show what would be placed now.
        if (problem.reason === "cart_changed" || problem.reason === "out_of_stock") load(state.method);
      })
      .then(function () { submit.disabled = false; });
  });

  // A cart changed in the chat meanwhile: show the new summary before anything is placed.
  ShopCart.watchChat(function () { if (!state.placed) load(state.method); });
  void chat;
  load();
})();
