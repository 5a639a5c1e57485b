// Progressive enhancement: while a large CSV uploads and is checked, show that work is happening.
(function () {
  "use strict";
  document.querySelectorAll("form[data-progress]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var box = document.getElementById(form.getAttribute("data-progress"));
      if (!box) { return; }
      var status = box.querySelector("[role=status]");
      box.hidden = false;
      status.textContent = status.getAttribute("data-processing");
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });
})();
