// Time limits announced and extendable (WCAG 2.2.1), without ever losing the page.
// - A town-hall terminal's idle limit: the page counts the delay the server counts, from the
//   last time the server heard of the person; any key or touch tells the server again (at
//   most every 30 seconds, at once when the warning shows). A minute before the end a warning
//   says so and focuses "Je suis encore là"; at the end the page's fields are emptied and the
//   page goes to the end-of-session address. Without JavaScript the server still ends an idle
//   session at the next request, as every page says, and gives back a form sent too late.
// - A mediator acting for someone: two minutes before the end a warning focuses "Prolonger de
//   30 minutes", which extends the acting session in the background (the page stays as is).
// A page shown again from the browser's memory (Back) comes with its forms emptied.
(function () {
  "use strict";
  var body = document.body;

  function showWarning(warning, left) {
    warning.querySelector("[data-seconds]").textContent = String(Math.max(0, left));
    if (warning.hidden) {
      warning.hidden = false;
      warning.querySelector("button").focus();
    }
  }

  function resetForms() {
    Array.prototype.forEach.call(document.forms, function (form) { form.reset(); });
  }

  window.addEventListener("pageshow", function (event) {
    if (event.persisted) resetForms();
  });

  function kiosk() {
    var idle = Number(body.getAttribute("data-kiosk-idle"));
    var endUrl = body.getAttribute("data-kiosk-end");
    var aliveUrl = body.getAttribute("data-kiosk-alive");
    var warning = document.getElementById("kiosk-warning");
    if (!idle || !endUrl || !aliveUrl || !warning) return;
    var notice = Math.min(60, Math.floor(idle / 2));
    // The server started counting when it answered this page: a little before now.
    var told = Date.now() - 2000;
    var pending = false;

    function keepAlive() {
      told = Date.now();
      pending = false;
      fetch(aliveUrl, { method: "HEAD", credentials: "same-origin", cache: "no-store",
                        redirect: "manual" });
    }

    function activity() {
      if (!warning.hidden) {
        warning.hidden = true;
        keepAlive();
      } else if (Date.now() - told >= 30000) {
        keepAlive();
      } else {
        pending = true;
      }
    }

    var timer;

    function tick() {
      if (pending && Date.now() - told >= 30000) keepAlive();
      var left = idle - Math.floor((Date.now() - told) / 1000);
      if (left <= 0) {
        // Once: a second assign() while the first is under way would cancel it.
        window.clearInterval(timer);
        // Nothing the person typed stays on the screen for the next one.
        resetForms();
        window.location.assign(endUrl);
        return;
      }
      if (left <= notice) showWarning(warning, left);
    }

    // "Je suis encore là" is activity like any other (a click, or Enter on it).
    warning.querySelector("button").addEventListener("click", activity);
    ["keydown", "pointerdown", "input", "wheel", "touchstart"].forEach(function (kind) {
      document.addEventListener(kind, activity, { passive: true, capture: true });
    });
    timer = window.setInterval(tick, 1000);
  }

  function acting() {
    var warning = document.getElementById("acting-warning");
    var extend = document.getElementById("acting-extend");
    if (!warning || !extend) return;
    var until = Date.now() + Number(warning.getAttribute("data-acting-left")) * 1000;
    var notice = 120;
    var ended = false;
    var banner = document.querySelector("[data-acting-minutes]");

    // The banner's "ends in N min", written by the server, is put right after an extension:
    // its last number is the minutes left.
    function showMinutes(minutes) {
      var said = banner && banner.lastChild;
      var before = banner && banner.getAttribute("data-acting-minutes");
      if (!said || said.nodeType !== 3 || !before) return;
      var at = said.textContent.lastIndexOf(before);
      if (at < 0) return;
      said.textContent = said.textContent.slice(0, at) + String(minutes)
        + said.textContent.slice(at + before.length);
      banner.setAttribute("data-acting-minutes", String(minutes));
    }

    warning.querySelector("button").addEventListener("click", function () {
      var data = new FormData(extend);
      data.append("quiet", "1");
      fetch(extend.action, { method: "POST", body: data, credentials: "same-origin",
                             redirect: "manual" }).then(function (response) {
        // Refused (the time was already over): the warning stays, the server has said why.
        if (response.type !== "opaqueredirect" && !response.ok) return;
        // As the server does: 30 more minutes, never more than an hour away.
        until = Math.min(until + 30 * 60000, Date.now() + 60 * 60000);
        warning.hidden = true;
        showMinutes(Math.ceil((until - Date.now()) / 60000));
      });
    });
    window.setInterval(function () {
      var left = Math.floor((until - Date.now()) / 1000);
      if (ended) return;
      if (left <= 0) {
        // The server refuses from now on; a form sent will come back as typed.
        ended = true;
        warning.querySelector("[data-seconds]").textContent = "0";
        return;
      }
      if (left <= notice) showWarning(warning, left);
    }, 1000);
  }

  kiosk();
  acting();
})();
