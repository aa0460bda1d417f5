// The shop page's cookie banner (issue 16): asks once whether what the shopper browses may be
// recorded for recommendations, and keeps the answer for the chat's conversation (POST /api/consent).
// Nothing is recorded until the shopper allows it. Styles are set through the CSSOM (the page's
// CSP forbids inline style attributes, not this).
(function () {
  "use strict";
  var KEY = "shopbot.consent";
  function load(key) { try { return window.localStorage.getItem(key); } catch (e) { return null; } }
  function store(key, value) { try { window.localStorage.setItem(key, value); } catch (e) {} }
  if (load(KEY) !== null) return;

  function senderId() {
    var sender = load("shopbot.sender");
    if (!sender) {
      sender = (window.crypto && window.crypto.randomUUID) ? window.crypto.randomUUID()
        : "web-" + Math.random().toString(16).slice(2) + Date.now().toString(16);
      store("shopbot.sender", sender);
    }
    return sender;
  }
  var banner = document.createElement("div");
  banner.setAttribute("role", "dialog");
  banner.setAttribute("aria-label", "Privacy choice");
  banner.dataset.role = "consent-banner";
  Object.assign(banner.style, {
    position: "fixed", left: "1rem", bottom: "1rem", maxWidth: "28rem", padding: "1rem",
    background: "#fff", border: "1px solid #d1d5db", borderRadius: "8px", zIndex: "1000",
    boxShadow: "0 4px 16px rgba(0,0,0,.15)", font: "14px system-ui, sans-serif",
  });
  var text = document.createElement("p");
  text.textContent = "May we remember what you browse and search for, to recommend products? " +
    "You can change this any time on the \"My data\" page (/privacy) or in the chat.";
  banner.appendChild(text);
  [["Allow", true], ["Don't allow", false]].forEach(function (choice) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = choice[0];
    button.dataset.consent = String(choice[1]);
    button.style.marginRight = "0.5rem";
    button.addEventListener("click", function () {
      fetch("/api/consent", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: senderId(), allowed: choice[1], identity: load("shopbot.identity") }),
      }).then(function (r) {
        if (r.ok) { store(KEY, String(choice[1])); banner.remove(); }
      });
    });
    banner.appendChild(button);
  });
  document.body.appendChild(banner);
})();
