// Every grid (a <form data-grid>): Enter moves to the same column of the next
// row (Shift+Enter: the row above) and never submits the form; leaving the
// page with changes that were not saved asks first.
(function () {
  "use strict";
  function changedField(field) {
    if (field.type === "hidden" || field.disabled) return false;
    if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
    if (field.tagName === "SELECT") {
      return Array.from(field.options).some(function (o) { return o.selected !== o.defaultSelected; }) &&
        // A select with no option marked shows its first: that is not a change.
        !(field.selectedIndex === 0 && !Array.from(field.options).some(function (o) { return o.defaultSelected; }));
    }
    return field.value !== field.defaultValue;
  }
  const FIELDS = "input:not([type=hidden]):not([disabled]), select:not([disabled])";
  // The field in the same place of another row's cell (a cell may hold a
  // status and hours: Enter in the hours goes to the next row's hours).
  function fieldAt(row, column, place) {
    const cell = row && row.cells[column];
    return cell && cell.querySelectorAll(FIELDS)[place];
  }
  document.querySelectorAll("form[data-grid]").forEach(function (form) {
    let submitting = false;
    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("pageshow", function () { submitting = false; });
    window.addEventListener("beforeunload", function (event) {
      if (submitting) return;
      if (Array.from(form.elements).some(changedField)) { event.preventDefault(); event.returnValue = ""; }
    });
    form.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.defaultPrevented) return;
      const field = event.target;
      if (!(field instanceof HTMLInputElement || field instanceof HTMLSelectElement)) return;
      const cell = field.closest("td, th");
      if (!cell) return;
      event.preventDefault();  // Enter in a grid never sends the form
      const place = Array.from(cell.querySelectorAll(FIELDS)).indexOf(field);
      let row = cell.parentElement;
      for (let step = 0; step < 500; step += 1) {
        row = event.shiftKey ? row.previousElementSibling : row.nextElementSibling;
        if (!row) return;
        const next = fieldAt(row, cell.cellIndex, place);
        if (next) { next.focus(); if (next.select) next.select(); return; }
      }
    });
    form.dataset.gridReady = "1";
  });
})();
