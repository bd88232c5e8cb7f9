// A form sent back refused: its error summary takes the focus as the page loads, so that a
// screen reader reads it first and the keyboard goes on from it to the fields it links to
// (WCAG 3.3.1). Without JavaScript the page's title, which starts with "Erreur :", says so, and
// the summary is the first thing of the form.
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (!summary) return;
  if (!summary.hasAttribute("tabindex")) summary.setAttribute("tabindex", "-1");
  summary.focus();
})();
