// Progressive enhancement of the policy builder's section editor: the preview beside it follows
// the typing. Without JavaScript the "Preview without saving" button renders the same preview
// with a full page. Here the form (with its CSRF token) is posted a moment after the last
// keystroke to the preview endpoint, which returns the preview as an HTML fragment rendered by
// the server through the policy's sanitising pipeline; nothing is saved.
(function () {
  "use strict";
  var form = document.querySelector("form[data-section-preview]");
  if (!form || !window.fetch || !window.DOMParser) { return; }
  var url = form.getAttribute("data-section-preview");
  var timer = null;
  var sent = 0;
  function refresh() {
    var mine = ++sent;
    fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        if (mine !== sent) { return; }  // a newer request is on its way
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("section-preview");
        var current = document.getElementById("section-preview");
        if (fresh && current) { current.replaceWith(fresh); }
      })
      .catch(function () { /* the Preview button still works */ });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
})();
