// Town-hall terminal: the idle time limit, announced and extendable (WCAG 2.2.1).
// Any activity restarts it (and tells the server, at most once a minute); a minute before the
// end a warning says so and offers "Continuer ma session"; at the end the page goes to the
// end-of-session address. Without JavaScript the server still ends an idle session at the next
// request, as every page says.
(function () {
  "use strict";
  var body = document.body;
  var idle = Number(body.getAttribute("data-kiosk-idle"));
  var endUrl = body.getAttribute("data-kiosk-end");
  var aliveUrl = body.getAttribute("data-kiosk-alive");
  var warning = document.getElementById("kiosk-warning");
  if (!idle || !endUrl || !aliveUrl || !warning) return;
  var seconds = warning.querySelector("[data-kiosk-seconds]");
  var button = warning.querySelector("button");
  var notice = Math.min(60, Math.floor(idle / 2));
  var lastActivity = Date.now();
  var lastTold = Date.now();
  var warned = false;

  function keepAlive() {
    lastTold = Date.now();
    fetch(aliveUrl, { method: "HEAD", credentials: "same-origin", cache: "no-store" });
  }

  function restart() {
    lastActivity = Date.now();
    if (warned) {
      warned = false;
      warning.hidden = true;
    }
    // The server counts the delay too: tell it, at most once a minute.
    if (Date.now() - lastTold > 60000) keepAlive();
  }

  function tick() {
    var left = idle - Math.floor((Date.now() - lastActivity) / 1000);
    if (left <= 0) {
      window.location.assign(endUrl);
      return;
    }
    if (left <= notice) {
      seconds.textContent = String(left);
      if (!warned) {
        warned = true;
        warning.hidden = false;
        button.focus();
      }
    }
  }

  // "Continuer ma session" is activity like any other (a click, or Enter on it).
  button.addEventListener("click", restart);
  ["keydown", "pointerdown", "input", "wheel", "touchstart"].forEach(function (kind) {
    document.addEventListener(kind, restart, { passive: true, capture: true });
  });
  window.setInterval(tick, 1000);
})();
