// The little the pages need beyond htmx: theme, copy/share account details, the receipt dialog.
(function () {
  "use strict";
  var root = document.documentElement;
  var saved = localStorage.getItem("theme");
  if (saved) root.setAttribute("data-theme", saved);

  document.addEventListener("click", function (event) {
    var themeButton = event.target.closest("[data-theme-toggle]");
    if (themeButton) {
      var dark = root.getAttribute("data-theme") === "dark" ||
        (root.getAttribute("data-theme") === "auto" && window.matchMedia("(prefers-color-scheme: dark)").matches);
      var next = dark ? "light" : "dark";
      root.setAttribute("data-theme", next);
      localStorage.setItem("theme", next);
      return;
    }
    var share = event.target.closest("[data-share]");
    if (share) {
      var text = share.getAttribute("data-share");
      var done = function () {
        share.setAttribute("data-copied", "true");
        share.textContent = "Copiado ✓";
      };
      if (navigator.share && window.matchMedia("(pointer: coarse)").matches) {
        navigator.share({ text: text }).catch(function () {});
      } else if (navigator.clipboard) {
        navigator.clipboard.writeText(text).then(done, function () { window.prompt("Copia los datos:", text); });
      } else {
        window.prompt("Copia los datos:", text);
      }
      return;
    }
    if (event.target.closest("[data-close-modal]")) {
      event.preventDefault();
      document.getElementById("modal").innerHTML = "";
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      var modal = document.getElementById("modal");
      if (modal) modal.innerHTML = "";
    }
  });
})();
