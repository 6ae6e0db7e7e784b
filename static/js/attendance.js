// Attendance grid: fill every scheduled day that has no record yet with "present".
(function () {
  const button = document.querySelector("[data-fill-present]");
  if (!button) return;
  // The button is rendered disabled, so nobody can click it before it works.
  button.disabled = false;
  button.addEventListener("click", function () {
    document.querySelectorAll("#attendance-form select[data-working='1']").forEach(function (select) {
      if (!select.value) select.value = "present";
    });
  });
})();
