// Polls a background job's status until it finishes, then follows its result.
(function () {
  const box = document.getElementById("job");
  if (!box) return;
  const bar = box.querySelector(".progress-bar");
  const status = box.querySelector("[data-role=status]");
  const message = box.querySelector("[data-role=message]");
  const interrupted = box.querySelector("[data-role=interrupted]");
  bar.style.width = bar.dataset.progress + "%";  // set here: style attributes break the CSP
  async function poll() {
    const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } });
    if (!response.ok) { setTimeout(poll, 3000); return; }
    const job = await response.json();
    bar.style.width = job.progress + "%";
    bar.textContent = job.progress + "%";
    bar.parentElement.setAttribute("aria-valuenow", job.progress);
    status.textContent = job.status_display;
    message.textContent = job.message;
    // A worker that stopped: offer the resume (the page renders it hidden).
    if (interrupted) interrupted.hidden = !job.interrupted;
    if (!job.finished) { setTimeout(poll, job.interrupted ? 3000 : 1000); return; }
    bar.classList.remove("progress-bar-striped", "progress-bar-animated");
    if (job.status === "failed") { bar.classList.add("bg-danger"); return; }
    if (job.redirect) { window.location.assign(job.redirect); }
  }
  poll();
})();
