// The "My data" page (web/privacy_api.py): the tracking choice and the download of one's data.
// Uses the chat widget's own localStorage keys: its conversation id and the signed identity.
(function () {
  "use strict";
  function load(key) { try { return window.localStorage.getItem(key); } catch (e) { return null; } }
  var sender = load("shopbot.sender");
  var identity = load("shopbot.identity");
  var state = document.querySelector("[data-role=consent-state]");
  var status = document.querySelector("[data-role=export-status]");
  var headers = identity ? { "X-Shop-Identity": identity } : {};

  function show(allowed) {
    state.textContent = allowed === true ? "allowed" : allowed === false ? "not allowed" : "not allowed (not chosen yet)";
  }
  function choose(allowed) {
    if (!sender) { state.textContent = "open the chat once first"; return; }
    fetch("/api/consent", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: sender, allowed: allowed, identity: identity }),
    }).then(function (r) { return r.json(); }).then(function (d) {
      try { window.localStorage.setItem("shopbot.consent", String(d.allowed)); } catch (e) {}
      show(d.allowed);
    });
  }
  if (sender) {
    fetch("/api/consent?sender=" + encodeURIComponent(sender), { headers: headers })
      .then(function (r) { return r.json(); }).then(function (d) { show(d.allowed); });
  } else { show(null); }
  document.querySelector("[data-role=allow]").addEventListener("click", function () { choose(true); });
  document.querySelector("[data-role=decline]").addEventListener("click", function () { choose(false); });
  document.querySelector("[data-role=export]").addEventListener("click", function () {
    fetch("/api/privacy/export", { headers: headers }).then(function (r) {
      if (!r.ok) { status.textContent = "Please log in on the shop page first."; return null; }
      return r.blob();
    }).then(function (blob) {
      if (!blob) return;
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "my-shop-data.json";
      document.body.appendChild(link);
      link.click();
      link.remove();
      status.textContent = "Downloaded my-shop-data.json.";
    });
  });
})();
