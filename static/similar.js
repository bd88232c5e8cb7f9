// Live suggestions on the proposal submission form: while the title is typed, the project's
// proposals like it are listed under the field (as text, not links, so that nothing typed is
// left behind). Without JavaScript the form works the same: the page of similar proposals
// comes after sending, with the buttons to support one instead.
(function () {
  "use strict";
  var form = document.querySelector("form[data-similar]");
  var title = document.getElementById("title");
  var box = document.getElementById("semblables");
  if (!form || !title || !box || !window.fetch) return;
  var url = form.getAttribute("data-similar");
  var timer = null;
  var asked = "";

  function show(proposals) {
    box.textContent = "";
    if (!proposals.length) return;
    var heading = document.createElement("p");
    heading.className = "hint";
    heading.textContent = box.getAttribute("data-heading");
    var list = document.createElement("ul");
    proposals.forEach(function (proposal) {
      var item = document.createElement("li");
      item.textContent = proposal.title + " (n\u00b0\u00a0" + proposal.id + ", " +
        proposal.supports + "\u00a0" + box.getAttribute("data-supports") + ")";
      list.appendChild(item);
    });
    box.appendChild(heading);
    box.appendChild(list);
  }

  function ask() {
    var text = title.value.trim();
    if (text === asked) return;
    asked = text;
    if (text.length < 5) { show([]); return; }
    fetch(url + "?title=" + encodeURIComponent(text), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : { proposals: [] };
    }).then(function (data) {
      if (text === asked) show(data.proposals || []);
    }).catch(function () { /* suggestions are a help: the form works without them */ });
  }

  title.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 400);
  });
})();
