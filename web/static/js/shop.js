/*
 * The demo shop page: category list, product grid and the "logged in as" switch.
 * Talks to the shop server's JSON API (web/openapi.yaml); the chat itself is widget.js.
 */
(function () {
  "use strict";

  var chat = new window.ShopChat(document.getElementById("chat"));
  var grid = document.getElementById("product-grid");
  var more = document.getElementById("grid-more");
  var title = document.getElementById("grid-title");
  var count = document.getElementById("grid-count");
  var gridError = document.getElementById("grid-error");
  var categoryList = document.getElementById("category-list");
  var loginSwitch = document.getElementById("login-switch");
  // The "logged in as" switch is the dev profile's password-less demo login. It shows only once
  // the server lists the demo customers: with demo login off (the prod profile) /api/customers
  // and /api/login do not exist, and a switch that cannot log anyone in is not offered.
  var loginLabel = loginSwitch.closest(".shop-login") || loginSwitch;
  loginLabel.style.display = "none";
  var state = { category: "", page: 0, perPage: 24, loaded: 0, total: 0 };

  function getJson(url, options) {
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.error || "The shop server answered " + response.status);
        return data;
      });
    });
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

  /* ---- product grid ------------------------------------------------------------------------- */

  function productTile(product) {
    var item = el("li", "product");
    item.setAttribute("data-product-id", String(product.id));
    var image = el("img", "product-image");
    image.alt = "";
    image.loading = "lazy";
    image.src = product.image_url || "/static/img/product-placeholder.svg";
    item.appendChild(image);
    item.appendChild(el("p", "product-brand", product.brand));
    item.appendChild(el("h3", "product-title", product.title));
    var facts = el("p", "product-facts");
    facts.appendChild(el("span", "product-price", formatPrice(product.price, product.currency)));
    if (typeof product.rating === "number") {
      facts.appendChild(el("span", "product-rating", "\u2605 " + product.rating.toFixed(1) + " (" + product.rating_count + ")"));
    }
    item.appendChild(facts);
    item.appendChild(el("p", "product-stock" + (product.in_stock ? "" : " product-out"), product.in_stock ? "In stock" : "Out of stock"));
    var ask = el("button", "product-ask", "Ask the assistant");
    ask.type = "button";
    ask.addEventListener("click", function () {
      chat.setOpen(true);
      chat.send("Tell me about " + product.title, "Tell me about " + product.title);
    });
    item.appendChild(ask);
    if (window.ShopCart) window.ShopCart.decorateTile(item, product); // "Add to cart" (cart.js)
    return item;
  }

  function loadProducts(reset) {
    if (reset) {
      state.page = 0;
      state.loaded = 0;
      grid.textContent = "";
    }
    var params = new URLSearchParams({ page: String(state.page + 1), per_page: String(state.perPage) });
    if (state.category) params.set("category", state.category);
    more.disabled = true;
    return getJson("/api/products?" + params.toString())
      .then(function (data) {
        gridError.hidden = true;
        state.page = data.page;
        state.total = data.total;
        data.products.forEach(function (product) { grid.appendChild(productTile(product)); });
        state.loaded += data.products.length;
        count.textContent = state.total + (state.total === 1 ? " product" : " products");
        more.hidden = state.loaded >= state.total;
      })
      .catch(function (error) {
        gridError.textContent = "Could not load products: " + error.message;
        gridError.hidden = false;
      })
      .then(function () { more.disabled = false; });
  }

  function selectCategory(slug, name) {
    state.category = slug;
    title.textContent = name;
    Array.prototype.forEach.call(categoryList.querySelectorAll(".category-button"), function (button) {
      button.setAttribute("aria-pressed", button.getAttribute("data-slug") === slug ? "true" : "false");
    });
    loadProducts(true);
  }

  function loadCategories() {
    categoryList.querySelector("[data-slug='']").addEventListener("click", function () { selectCategory("", "Everything"); });
    return getJson("/api/categories").then(function (data) {
      var department = null;
      data.categories.forEach(function (category) {
        if (category.department !== department) {
          department = category.department;
          categoryList.appendChild(el("li", "category-department", department));
        }
        var item = el("li");
        var button = el("button", "category-button");
        button.type = "button";
        button.setAttribute("data-slug", category.slug);
        button.setAttribute("aria-pressed", "false");
        button.appendChild(el("span", null, category.name));
        button.appendChild(el("span", "category-count", String(category.count)));
        button.addEventListener("click", function () { selectCategory(category.slug, category.name); });
        item.appendChild(button);
        categoryList.appendChild(item);
      });
    }).catch(function () { /* the grid shows the error */ });
  }

  /* ---- logged in as ------------------------------------------------------------------------- */

  function showLogin(customer) {
    loginSwitch.value = customer ? String(customer.id) : "";
    document.body.setAttribute("data-customer", customer ? String(customer.id) : "");
  }

  function loadCustomers() {
    return getJson("/api/customers").then(function (data) {
      data.customers.forEach(function (customer) {
        var option = el("option", null, customer.name + " <" + customer.email + ">");
        option.value = String(customer.id);
        loginSwitch.appendChild(option);
      });
      loginLabel.style.display = "";
    });
  }

  /* The stored token is checked by the server on every load: an expired or forged one is dropped. */
  function verifyStoredIdentity() {
    var token = chat.identity();
    if (!token) {
      showLogin(null);
      return Promise.resolve();
    }
    return getJson("/api/me", { headers: { "X-Shop-Identity": token } })
      .then(function (data) {
        if (data.customer) {
          showLogin(data.customer);
        } else {
          chat.setIdentity(null, null);
          showLogin(null);
        }
      })
      .catch(function () { showLogin(chat.customer()); });
  }

  loginSwitch.addEventListener("change", function () {
    var id = loginSwitch.value;
    if (!id) {
      chat.setIdentity(null, null);
      showLogin(null);
      if (window.ShopCart) window.ShopCart.refreshCount(); // a new guest: a new, empty cart
      return;
    }
    loginSwitch.disabled = true;
    getJson("/api/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ customer_id: Number(id) }),
    })
      .then(function (data) {
        var guestSession = chat.customer() ? null : chat.sender;
        chat.setIdentity(data.token, data.customer);
        showLogin(data.customer);
        // What the guest put in the cart moves into the customer's cart (cart.js).
        if (window.ShopCart) return window.ShopCart.merge(guestSession, data.token);
      })
      .catch(function (error) {
        showLogin(chat.customer());
        gridError.textContent = "Could not log in: " + error.message;
        gridError.hidden = false;
      })
      .then(function () { loginSwitch.disabled = false; });
  });

  more.addEventListener("click", function () { loadProducts(false); });

  loadCategories();
  loadProducts(true);
  loadCustomers().then(verifyStoredIdentity, verifyStoredIdentity);
})();
