/*
 * The support console (web/agents_api.py): log in, the queue of open tickets, one ticket's whole
 * conversation, reply, hand back to the bot. Everything from the server is inserted as text.
 * The open ticket's conversation and the queue refresh every few seconds.
 */
(function () {
  "use strict";

  var REFRESH_MS = 3000;
  var root = document;
  function $(role) { return root.querySelector("[data-role=" + role + "]"); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function api(method, path, body) {
    var options = { method: method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 401 && path !== "/api/agent/login") showLogin();
        if (!response.ok) {
          var error = new Error(data.error || "The server answered " + response.status + ".");
          error.status = response.status;
          throw error;
        }
        return data;
      });
    });
  }

  var state = { agent: null, ticketId: null, shown: "", timer: null };

  function showLogin() {
    state.agent = null;
    $("login").hidden = false;
    $("desk").hidden = true;
    $("logout").hidden = true;
    $("who").textContent = "";
    document.body.setAttribute("data-agent", "");
    if (state.timer) { window.clearInterval(state.timer); state.timer = null; }
  }

  function showDesk(agent) {
    state.agent = agent;
    $("login").hidden = true;
    $("desk").hidden = false;
    $("logout").hidden = false;
    $("who").textContent = agent.name + " (" + agent.email + ")";
    document.body.setAttribute("data-agent", agent.email);
    loadQueue();
    if (!state.timer) state.timer = window.setInterval(refresh, REFRESH_MS);
  }

  function refresh() {
    loadQueue();
    if (state.ticketId !== null) loadTicket(state.ticketId);
  }

  function loadQueue() {
    return api("GET", "/api/agent/tickets").then(function (data) {
      var list = $("queue");
      list.textContent = "";
      data.tickets.forEach(function (ticket) {
        var item = el("li");
        var button = el("button", "agent-queue-item");
        button.type = "button";
        button.setAttribute("data-ticket", String(ticket.id));
        button.setAttribute("data-conversation", ticket.conversation_id);
        button.setAttribute("aria-current", ticket.id === state.ticketId ? "true" : "false");
        button.appendChild(el("strong", null, ticket.reference + " · " + ticket.subject));
        var who = ticket.customer ? ticket.customer.name : "Guest";
        var meta = who + (ticket.email ? " · " + ticket.email : "") + " · " + ticket.created_at.replace("T", " ").slice(0, 16);
        if (ticket.agent) meta += " · with " + ticket.agent.name;
        button.appendChild(el("span", "agent-queue-meta", meta));
        button.appendChild(el("span", "agent-queue-summary", ticket.summary.split("\n").slice(-2).join(" / ")));
        button.addEventListener("click", function () { openTicket(ticket.id); });
        item.appendChild(button);
        list.appendChild(item);
      });
      $("queue-empty").hidden = data.tickets.length > 0;
    }).catch(function () { /* shown at the next refresh */ });
  }

  function openTicket(id) {
    state.ticketId = id;
    state.shown = "";
    $("ticket-error").textContent = "";
    // Opening a ticket takes the conversation over: the shopper is told a person has joined.
    return api("POST", "/api/agent/tickets/" + id + "/join", {})
      .catch(function (error) { $("ticket-error").textContent = error.message; })
      .then(function () { return loadTicket(id); })
      .then(loadQueue);
  }

  function loadTicket(id) {
    return api("GET", "/api/agent/tickets/" + id).then(function (data) {
      if (state.ticketId !== id) return;
      var ticket = data.ticket;
      $("ticket").hidden = false;
      $("ticket").setAttribute("data-status", ticket.status);
      $("ticket-title").textContent = ticket.reference + " · " + ticket.subject + (ticket.status === "closed" ? " (closed)" : "");
      var who = ticket.customer ? ticket.customer.name + " (customer #" + ticket.customer.id + ")" : "Guest";
      $("ticket-contact").textContent = who + " · " + (ticket.email || "no email given");
      $("ticket-summary").textContent = ticket.summary;
      var fingerprint = JSON.stringify(data.conversation);
      if (fingerprint === state.shown) return;
      state.shown = fingerprint;
      var log = $("conversation");
      log.textContent = "";
      data.conversation.forEach(function (line) {
        var item = el("li", "agent-line agent-line-" + line.role);
        var label = line.role === "agent" ? line.agent : line.role === "shopper" ? "Shopper" : line.role === "bot" ? "Assistant" : "";
        if (label) item.appendChild(el("span", "agent-line-who", label + (line.at ? " · " + line.at.slice(11, 16) : "")));
        item.appendChild(document.createTextNode(line.text));
        log.appendChild(item);
      });
      log.scrollTop = log.scrollHeight;
    }).catch(function (error) {
      if (error.status !== 401) $("ticket-error").textContent = error.message;
    });
  }

  function bind() {
    $("login").addEventListener("submit", function (event) {
      event.preventDefault();
      var form = event.target;
      $("login-error").textContent = "";
      api("POST", "/api/agent/login", { email: form.email.value, password: form.password.value })
        .then(function (data) { form.password.value = ""; showDesk(data.agent); })
        .catch(function (error) { $("login-error").textContent = error.message; });
    });
    $("logout").addEventListener("click", function () {
      api("POST", "/api/agent/logout", {}).then(showLogin, showLogin);
    });
    $("refresh").addEventListener("click", refresh);
    $("reply").addEventListener("submit", function (event) {
      event.preventDefault();
      var box = event.target.text;
      var text = box.value.trim();
      if (!text || state.ticketId === null) return;
      $("ticket-error").textContent = "";
      api("POST", "/api/agent/tickets/" + state.ticketId + "/messages", { text: text })
        .then(function () { box.value = ""; return loadTicket(state.ticketId); })
        .catch(function (error) { $("ticket-error").textContent = error.message; });
    });
    $("hand-back").addEventListener("click", function () {
      if (state.ticketId === null) return;
      $("ticket-error").textContent = "";
      api("POST", "/api/agent/tickets/" + state.ticketId + "/hand-back", {})
        .then(function () { return loadTicket(state.ticketId); })
        .then(loadQueue)
        .catch(function (error) { $("ticket-error").textContent = error.message; });
    });
  }

  bind();
  api("GET", "/api/agent/me").then(function (data) { showDesk(data.agent); }, showLogin);
})();
