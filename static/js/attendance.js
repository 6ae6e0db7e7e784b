// Attendance grid: fill every scheduled day that has no record yet with "present";
// mark the cells changed since the page was loaded and send only those, so a
// save never writes back what someone else changed meanwhile (the server
// checks each cell's version in its hidden "was_" field as well).
(function () {
  const form = document.getElementById("attendance-form");
  if (!form) return;

  // The hidden field holds "version|status|hours" as the page showed them.
  function changed(td) {
    const was = td.querySelector("input[name^='was_']").value.split("|");
    const status = td.querySelector("select").value;
    const hours = td.querySelector("input[name^='h_']").value.trim();
    return status !== was[1] || hours !== (was[2] || "");
  }
  function mark(td) { td.classList.toggle("cell-changed", changed(td)); }
  const cells = Array.from(form.querySelectorAll("td[data-cell]"));
  form.addEventListener("input", function (event) { const td = event.target.closest("td[data-cell]"); if (td) mark(td); });
  form.addEventListener("change", function (event) { const td = event.target.closest("td[data-cell]"); if (td) mark(td); });
  cells.forEach(mark);  // after a conflict the kept entries differ from the stored values
  form.addEventListener("submit", function () {
    // Disabled fields are not posted: unchanged cells stay out of the save.
    cells.forEach(function (td) {
      if (!changed(td)) td.querySelectorAll("select, input").forEach(function (field) { field.disabled = true; });
    });
  });

  const button = document.querySelector("[data-fill-present]");
  if (button) {
    // The button is rendered disabled, so nobody can click it before it works.
    button.disabled = false;
    button.addEventListener("click", function () {
      form.querySelectorAll("select[data-working='1']").forEach(function (select) {
        if (!select.value) { select.value = "present"; mark(select.closest("td[data-cell]")); }
      });
    });
  }
  // Back from the next page (the browser's cache): the fields must work again.
  window.addEventListener("pageshow", function () {
    form.querySelectorAll("td[data-cell] select, td[data-cell] input").forEach(function (field) { field.disabled = false; });
  });
  form.dataset.ready = "1";
})();
