// "Seleccionar todo" of a bulk payment's rows: ticks (or clears) every row box shown; clearing
// one row clears "Seleccionar todo", so the form then sends exactly the rows ticked.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.form) return;
    if (box.matches("[data-select-all]")) {
      box.form.querySelectorAll("input[data-row]").forEach(function (row) {
        if (!row.disabled) row.checked = box.checked;
      });
    } else if (box.matches("input[data-row]") && !box.checked) {
      var all = box.form.querySelector("[data-select-all]");
      if (all) all.checked = false;
    }
  });
})();
