// KPI grid: Enter moves down (Shift+Enter up), arrow keys move up and down,
// and a column or block copied from Excel is pasted downwards (and rightwards)
// from the cell it is pasted into. Nothing is sent until the form is saved,
// and then only the cells changed since the page was loaded (marked), so a
// save never writes back what someone else changed meanwhile; the server
// checks each cell's version in its hidden "was_" field as well.
(function () {
  const form = document.getElementById("kpi-form");
  if (!form) return;
  const cells = Array.from(form.querySelectorAll("input[data-grid-row]"));
  const at = new Map(cells.map(function (c) { return [c.dataset.gridRow + ":" + c.dataset.gridCol, c]; }));
  function cell(row, col) { return at.get(row + ":" + col); }
  function move(input, dRow) {
    const next = cell(Number(input.dataset.gridRow) + dRow, input.dataset.gridCol);
    if (next) { next.focus(); next.select(); }
  }
  form.addEventListener("keydown", function (event) {
    const input = event.target;
    if (!input.dataset || input.dataset.gridRow === undefined) return;
    if (event.key === "Enter") { event.preventDefault(); move(input, event.shiftKey ? -1 : 1); }
    else if (event.key === "ArrowDown") { event.preventDefault(); move(input, 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); move(input, -1); }
  });
  form.addEventListener("paste", function (event) {
    const input = event.target;
    if (!input.dataset || input.dataset.gridRow === undefined) return;
    const text = (event.clipboardData || window.clipboardData).getData("text");
    if (!/[\t\n]/.test(text.replace(/\r?\n$/, ""))) return; // one value: the browser pastes it
    event.preventDefault();
    const lines = text.replace(/\r/g, "").replace(/\n$/, "").split("\n");
    const row0 = Number(input.dataset.gridRow), col0 = Number(input.dataset.gridCol);
    lines.forEach(function (line, i) {
      line.split("\t").forEach(function (value, j) {
        const target = cell(row0 + i, col0 + j);
        if (target) { target.value = value.trim(); target.classList.add("bg-warning-subtle"); mark(target.closest("td[data-cell]")); }
      });
    });
  });
  // The hidden field holds "version|value" as the page showed them.
  function changed(td) {
    const input = td.querySelector("input[name^='v_'], input[name^='t_']");
    const was = td.querySelector("input[name^='was_']").value;
    return input.value.trim() !== was.slice(was.indexOf("|") + 1);
  }
  function mark(td) { td.classList.toggle("cell-changed", changed(td)); }
  const tds = Array.from(form.querySelectorAll("td[data-cell]"));
  form.addEventListener("input", function (event) { const td = event.target.closest("td[data-cell]"); if (td) mark(td); });
  tds.forEach(mark);  // after a conflict the kept entries differ from the stored values
  form.addEventListener("submit", function () {
    tds.forEach(function (td) {
      // Disabled fields are not posted: unchanged cells stay out of the save.
      if (!changed(td)) td.querySelectorAll("input").forEach(function (field) { field.disabled = true; });
    });
  });
  window.addEventListener("pageshow", function () {
    tds.forEach(function (td) { td.querySelectorAll("input").forEach(function (field) { field.disabled = false; }); });
  });
  form.dataset.ready = "1";  // keyboard moves and paste are live from here
})();
