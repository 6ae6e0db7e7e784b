// The coordinator's team bar on the enrolment list: the header box ticks
// every student shown; choosing a class or a group leader ticks the shown
// students it covers (the server takes the whole class or group, every page,
// from the select itself). Without JavaScript ticking and the selects still work.
(function () {
  "use strict";
  function boxes(form) {
    return form.querySelectorAll('input[type="checkbox"][name="enrolment"]');
  }
  function init(form) {
    var all = form.querySelector("[data-select-all]");
    if (all) {
      all.addEventListener("change", function () {
        boxes(form).forEach(function (box) { box.checked = all.checked; });
      });
    }
    [["[data-select-class]", "class"], ["[data-select-leader]", "leader"]].forEach(function (pair) {
      var select = form.querySelector(pair[0]);
      if (!select) return;
      select.addEventListener("change", function () {
        if (!select.value) return;
        boxes(form).forEach(function (box) {
          if (box.dataset[pair[1]] === select.value) box.checked = true;
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-team-assign]").forEach(init);
  });
})();
