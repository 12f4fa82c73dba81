// Progressive enhancement for every dashboard page; each page works without it.
// - [data-copy]: copy the referenced element's text (button hidden until this script runs).
// - form[data-confirm]: ask before a destructive action.
// - [data-poll]: refresh [data-live] numbers inside from a JSON endpoint every 5 s while visible.
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    try {
      document.execCommand("copy");
    } finally {
      area.remove();
    }
    return Promise.resolve();
  }

  function setupCopy() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy"));
        if (!source) return;
        copyText(source.textContent || "").then(
          function () {
            button.textContent = "Copied";
            setTimeout(function () { button.textContent = "Copy"; }, 1500);
          },
          function () { button.textContent = "Copy failed"; },
        );
      });
    });
  }

  function setupConfirm() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var question = form instanceof HTMLFormElement ? form.getAttribute("data-confirm") : null;
      if (question && !window.confirm(question)) event.preventDefault();
    });
  }

  function flatten(value, prefix, out) {
    if (value !== null && typeof value === "object") {
      Object.keys(value).forEach(function (key) { flatten(value[key], prefix ? prefix + "." + key : key, out); });
    } else {
      out[prefix] = value;
    }
    return out;
  }

  function setupPolling() {
    document.querySelectorAll("[data-poll]").forEach(function (root) {
      var url = root.getAttribute("data-poll");
      function refresh() {
        if (document.hidden) return;
        fetch(url, { headers: { accept: "application/json" }, credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) {
            if (!data) return;
            var values = flatten(data, "", {});
            root.querySelectorAll("[data-live]").forEach(function (el) {
              var v = values[el.getAttribute("data-live")];
              if (v === undefined) return;
              el.textContent = v === null ? "—" : typeof v === "number" ? v.toLocaleString("en") : String(v);
            });
          })
          .catch(function () {});
      }
      setInterval(refresh, 5000);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupCopy();
    setupConfirm();
    setupPolling();
  });
})();
