// The debug console: reads the app's server-sent event stream (EventSource reconnects by itself and
// resumes after the last event id), shows events newest first with type and text filters, pause and
// clear, and sends the event creator's form without leaving the page. Event data is only ever put in
// the page as text (textContent), never as HTML.
(function () {
  "use strict";
  var MAX_ROWS = 500;

  function init() {
    var root = document.querySelector("[data-stream]");
    if (!root) return;
    var list = document.getElementById("debug-log");
    var status = document.getElementById("stream-status");
    var pauseButton = document.getElementById("btn-pause");
    var textFilter = document.getElementById("flt-text");
    var boxes = Array.prototype.slice.call(root.querySelectorAll("input[data-types]"));
    var paused = false;
    var held = [];

    function hiddenTypes() {
      var hidden = {};
      boxes.forEach(function (box) {
        if (!box.checked) box.getAttribute("data-types").split(" ").forEach(function (t) { hidden[t] = true; });
      });
      return hidden;
    }

    function matches(li, hidden, needle) {
      if (hidden[li.getAttribute("data-type")]) return false;
      return !needle || (li.textContent || "").toLowerCase().indexOf(needle) >= 0;
    }

    function applyFilters() {
      var hidden = hiddenTypes();
      var needle = textFilter.value.trim().toLowerCase();
      Array.prototype.forEach.call(list.children, function (li) { li.hidden = !matches(li, hidden, needle); });
    }

    function span(cls, text) {
      var el = document.createElement("span");
      el.className = cls;
      el.textContent = text;
      return el;
    }

    function render(entry) {
      var li = document.createElement("li");
      li.setAttribute("data-type", entry.type);
      var time = new Date(entry.at);
      li.appendChild(span("t", time.toLocaleTimeString("en-GB", { hour12: false }) + "." + String(time.getMilliseconds()).padStart(3, "0")));
      li.appendChild(span("kind " + entry.type, entry.type.replace(/_/g, " ")));
      var parts = [];
      if (entry.channel) parts.push("channel " + entry.channel);
      if (entry.event) parts.push("event " + entry.event);
      if (entry.socketId) parts.push("socket " + entry.socketId);
      if (entry.userId) parts.push("user " + entry.userId);
      if (entry.info) parts.push(entry.info);
      li.appendChild(span("what", parts.join(" · ")));
      if (entry.data !== undefined) {
        var pre = document.createElement("pre");
        pre.textContent = entry.data;
        li.appendChild(pre);
      }
      li.hidden = !matches(li, hiddenTypes(), textFilter.value.trim().toLowerCase());
      list.insertBefore(li, list.firstChild);
      while (list.children.length > MAX_ROWS) list.removeChild(list.lastChild);
    }

    function setStatus(text) {
      status.textContent = text;
    }

    var source = new EventSource(root.getAttribute("data-stream"));
    source.onopen = function () { setStatus(paused ? "Paused" : "Live"); };
    source.onerror = function () { setStatus("Reconnecting…"); };
    source.onmessage = function (message) {
      var entry;
      try {
        entry = JSON.parse(message.data);
      } catch (e) {
        return;
      }
      if (paused) {
        held.push(entry);
        setStatus("Paused (" + held.length + " new)");
      } else {
        render(entry);
      }
    };
    source.addEventListener("dropped", function (message) {
      render({ at: Date.now(), type: "error", info: message.data + " events were skipped: this console fell behind" });
    });

    pauseButton.addEventListener("click", function () {
      paused = !paused;
      pauseButton.setAttribute("aria-pressed", String(paused));
      pauseButton.textContent = paused ? "Resume" : "Pause";
      if (!paused) {
        held.splice(0).forEach(render);
        setStatus("Live");
      } else {
        setStatus("Paused");
      }
    });
    document.getElementById("btn-clear").addEventListener("click", function () {
      list.textContent = "";
      held = [];
    });
    boxes.forEach(function (box) { box.addEventListener("change", applyFilters); });
    textFilter.addEventListener("input", applyFilters);

    var form = document.getElementById("event-creator");
    var result = document.getElementById("creator-result");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = new URLSearchParams(new FormData(form));
      result.className = "result";
      result.textContent = "Sending…";
      fetch(form.action, { method: "POST", body: body, headers: { accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (answer) {
          if (answer.error) {
            result.className = "result error";
            result.textContent = answer.error;
          } else {
            result.className = "result ok";
            result.textContent = "Sent to " + answer.recipients + " subscriber" + (answer.recipients === 1 ? "" : "s") + ".";
          }
        })
        .catch(function () {
          result.className = "result error";
          result.textContent = "Could not reach the server.";
        });
    });
  }

  document.addEventListener("DOMContentLoaded", init);
})();
