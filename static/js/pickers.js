// Searchable pickers: every <select data-picker="search"> becomes a box the
// user can type a name or student number into (tom-select, vendored).
// Without JavaScript the plain select still works.
(function () {
  "use strict";
  function init(root) {
    if (typeof TomSelect === "undefined") return;
    root.querySelectorAll('select[data-picker="search"]').forEach(function (select) {
      if (select.tomselect) return;
      new TomSelect(select, {
        maxOptions: 1000,
        allowEmptyOption: true,
        searchField: ["text"],
        render: {
          no_results: function () {
            return '<div class="no-results">' + (select.dataset.noResults || "No match") + "</div>";
          },
        },
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
})();
