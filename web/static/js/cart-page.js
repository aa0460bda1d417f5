/*
 * The cart page (/cart): the lines of the shopper's one cart (shared with the chat), their
 * quantities, removing a line, emptying the cart, and the way to the checkout. Every write goes
 * through the cart API (web/cart_api.py), which answers with the cart afterwards and a sentence
 * saying what it did; a refused write shows the shop's reason and changes nothing.
 */
(function () {
  "use strict";

  var ShopCart = window.ShopCart;
  var el = ShopCart.el;
  var chat = new window.ShopChat(document.getElementById("chat"));
  var list = document.getElementById("cart-lines");
  var note = document.getElementById("cart-note");
  var error = document.getElementById("cart-error");
  var emptyNote = document.getElementById("cart-empty");
  var footer = document.getElementById("cart-footer");
  var subtotal = document.getElementById("cart-subtotal");
  var units = document.getElementById("cart-units");
  var emptyButton = document.getElementById("cart-empty-button");

  function showError(message) {
    error.textContent = message || "";
    error.hidden = !message;
  }

  function lineItem(line) {
    var item = el("li", "cart-line");
    item.setAttribute("data-line-id", String(line.line_id));
    item.setAttribute("data-product-id", String(line.product_id));
    var image = el("img", "cart-line-image");
    image.alt = "";
    image.src = line.image_url || "/static/img/product-placeholder.svg";
    item.appendChild(image);
    var body = el("div", "cart-line-body");
    body.appendChild(el("h2", "cart-line-title", line.title));
    var variant = [line.size, line.color].filter(Boolean).join(", ");
    if (variant) body.appendChild(el("p", "cart-line-variant", variant));
    body.appendChild(el("p", "cart-line-price", ShopCart.formatPrice(line.unit_price, line.currency) + " each"));
    item.appendChild(body);

    var controls = el("div", "cart-line-controls");
    var label = el("label", "cart-line-quantity");
    label.appendChild(el("span", null, "Quantity"));
    var input = el("input");
    input.type = "number";
    input.min = "1";
    input.max = String(Math.max(1, line.stock));
    input.value = String(line.quantity);
    input.setAttribute("aria-label", "Quantity of " + line.title);
    label.appendChild(input);
    controls.appendChild(label);
    input.addEventListener("change", function () {
      var wanted = input.value.trim();
      write(ShopCart.setQuantity(line.line_id, /^\d+$/.test(wanted) ? Number(wanted) : wanted));
    });
    var remove = el("button", "cart-line-remove", "Remove");
    remove.type = "button";
    remove.setAttribute("aria-label", "Remove " + line.title);
    remove.addEventListener("click", function () { write(ShopCart.remove(line.line_id)); });
    controls.appendChild(remove);
    controls.appendChild(el("p", "cart-line-total", ShopCart.formatPrice(line.line_total, line.currency)));
    item.appendChild(controls);
    return item;
  }

  function render(cart) {
    list.textContent = "";
    cart.lines.forEach(function (line) { list.appendChild(lineItem(line)); });
    var empty = cart.lines.length === 0;
    emptyNote.hidden = !empty;
    footer.hidden = empty;
    subtotal.textContent = ShopCart.formatPrice(cart.subtotal, cart.currency);
    units.textContent = cart.units === 1 ? "1 item" : cart.units + " items";
    document.body.setAttribute("data-cart-revision", String(cart.revision));
    ShopCart.refreshCount();
  }

  function load() {
    return ShopCart.get()
      .then(function (cart) { showError(null); render(cart); })
      .catch(function (problem) { showError("Could not load your cart: " + problem.message); });
  }

  /* A write answers with its sentence and the cart afterwards; a refusal leaves the cart as it was. */
  function write(request) {
    return request
      .then(function (change) {
        showError(null);
        note.textContent = change.message;
        render(change.cart);
      })
      .catch(function (problem) {
        showError(problem.message);
        return load();
      });
  }

  emptyButton.addEventListener("click", function () { write(ShopCart.empty()); });
  // What the chat does to the cart shows here at once.
  ShopCart.watchChat(load);
  void chat;
  load();
})();
