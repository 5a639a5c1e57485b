// Progressive enhancement of the authoring forms: the "Preview" section follows the typing.
// Without JavaScript the "Preview" button does the same with a full page; here the form is
// posted with preview=1 a moment after the last keystroke and only the preview is replaced.
(function () {
  "use strict";
  var form = document.querySelector("form[data-live-preview]");
  if (!form || !window.fetch || !window.DOMParser) { return; }
  var timer = null;
  var sent = 0;
  function refresh() {
    var data = new FormData(form);
    data.delete("save");
    data.set("preview", "1");
    var mine = ++sent;
    fetch(form.action || window.location.href, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        if (mine !== sent) { return; }  // a newer request is on its way
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".authoring-preview");
        var current = document.querySelector(".authoring-preview");
        if (fresh && current) { current.replaceWith(fresh); }
        else if (fresh) { form.after(fresh); }
      })
      .catch(function () { /* the Preview button still works */ });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 600);
  });
})();
