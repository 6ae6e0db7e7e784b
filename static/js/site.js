// Behaviour the templates ask for with data attributes. There are no inline
// event handlers: the Content-Security-Policy does not run them.
//   <select data-autosubmit>   submits its form when changed
//   <select data-navigate>     goes to the chosen option's value (a URL)
//   data-confirm="question"    on a form or a submit button: asks first
//   data-confirm-deletes="q"   on a formset's form: asks first when a Delete box is ticked
(function () {
  document.addEventListener("change", function (event) {
    const el = event.target;
    if (!(el instanceof HTMLSelectElement)) return;
    if (el.hasAttribute("data-autosubmit") && el.form) el.form.submit();
    else if (el.hasAttribute("data-navigate") && el.value) window.location.href = el.value;
  });
  document.addEventListener("submit", function (event) {
    const form = event.target;
    const button = event.submitter;
    let question = (button && button.dataset.confirm) || form.dataset.confirm;
    if (!question && form.dataset.confirmDeletes && form.querySelector('input[name$="-DELETE"]:checked')) {
      question = form.dataset.confirmDeletes;
    }
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
