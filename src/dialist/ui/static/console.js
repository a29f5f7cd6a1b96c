// dialist console: upload with progress, live job progress, confirmations, auto-submit.
// No inline script anywhere (the Content-Security-Policy forbids it): behaviour hangs on
// data-* attributes of the server-rendered pages.
"use strict";

function setupUpload(form) {
  const input = form.querySelector("input[type=file]");
  const zone = form.querySelector(".dropzone");
  const bar = form.querySelector(".upload-progress");
  const status = form.querySelector(".upload-status");
  const text = zone.querySelector(".drop-text");

  function show(message, failed) {
    status.textContent = message;
    status.classList.toggle("failed", Boolean(failed));
  }

  function chosen() {
    if (input.files.length) {
      text.textContent = input.files[0].name + " (" + input.files[0].size.toLocaleString() + " bytes)";
    }
  }

  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("over");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.remove("over");
    });
  });
  zone.addEventListener("drop", function (event) {
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      chosen();
    }
  });
  input.addEventListener("change", chosen);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const file = input.files[0];
    if (!file) {
      show("Choose a file first.", true);
      return;
    }
    const params = new URLSearchParams({ fileName: file.name });
    const dedupe = form.querySelector("select[name=dedupe]").value;
    if (dedupe) params.set("dedupe", dedupe);
    if (form.querySelector("input[name=dryRun]").checked) params.set("dryRun", "true");
    const request = new XMLHttpRequest();
    request.open("POST", form.dataset.upload + "?" + params.toString());
    request.setRequestHeader("X-CSRF-Token", form.dataset.csrf);
    request.setRequestHeader("Accept", "application/json");
    request.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    bar.hidden = false;
    bar.value = 0;
    request.upload.addEventListener("progress", function (progress) {
      if (progress.lengthComputable) {
        bar.value = Math.round((100 * progress.loaded) / progress.total);
        show("Uploading… " + bar.value + "%");
      }
    });
    request.addEventListener("load", function () {
      let answer = null;
      try {
        answer = JSON.parse(request.responseText);
      } catch (error) {
        answer = null;
      }
      if (request.status === 202 && answer && answer.url) {
        bar.value = 100;
        show("Uploaded. Opening the import…");
        window.location.assign(answer.url);
      } else {
        const message = answer && answer.message ? answer.message : "the server answered " + request.status;
        show("Upload failed: " + message, true);
      }
    });
    request.addEventListener("error", function () {
      show("Upload failed: the connection was lost.", true);
    });
    show("Uploading…");
    request.send(file);
  });
}

function setupProgress(section) {
  const url = section.dataset.progress;
  const bar = section.querySelector(".job-progress");
  function field(name, value) {
    const element = section.querySelector('[data-field="' + name + '"]');
    if (element) element.textContent = value === null || value === undefined ? "?" : String(value);
  }
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : Promise.reject(response.status);
      })
      .then(function (job) {
        ["status", "read", "total", "added", "duplicate", "invalid"].forEach(function (name) {
          field(name, job[name]);
        });
        const status = section.querySelector('[data-field="status"]');
        status.className = "status status-" + job.status;
        if (job.total) {
          bar.max = job.total;
          bar.value = job.read;
        }
        if (job.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 700);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 3000);
      });
  }
  poll();
}

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-upload]").forEach(setupUpload);
  document.querySelectorAll("[data-progress]").forEach(function (section) {
    if (section.dataset.progress) setupProgress(section);
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
  document.documentElement.classList.add("js");
});
