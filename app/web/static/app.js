/* Progressive enhancement only: every form works without this file.
   - uploads (form[data-upload]) show progress and the server's refusal in plain words;
   - error pages get a working "go back" button. */
(function () {
  "use strict";

  function serverMessage(xhr) {
    var lang = document.body.getAttribute("data-lang") || "zh";
    var type = xhr.getResponseHeader("Content-Type") || "";
    try {
      if (type.indexOf("application/json") === 0) {
        var body = JSON.parse(xhr.responseText);
        return (lang === "en" ? body.message_en : body.message_zh) || body.detail || "";
      }
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var node = doc.querySelector(".error-message");
      return node ? node.textContent.trim() : "";
    } catch (e) {
      return "";
    }
  }

  function enhanceUpload(form) {
    var bar = form.querySelector(".upload-progress");
    var status = form.querySelector(".upload-status");
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) { return; }
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable && bar) {
          bar.hidden = false;
          bar.value = Math.round((e.loaded / e.total) * 100);
          status.textContent = bar.value + "%";
        }
      });
      xhr.addEventListener("load", function () {
        if (xhr.status >= 200 && xhr.status < 400) {
          window.location.assign(xhr.responseURL || window.location.href);
          return;
        }
        if (bar) { bar.hidden = true; }
        button.disabled = false;
        status.classList.add("error");
        status.textContent = serverMessage(xhr) || (xhr.status + " " + xhr.statusText);
      });
      xhr.addEventListener("error", function () {
        if (bar) { bar.hidden = true; }
        button.disabled = false;
        status.classList.add("error");
        status.textContent = document.body.getAttribute("data-lang") === "en"
          ? "The upload was interrupted; check the connection and try again."
          : "上传中断，请检查网络后重试。";
      });
      status.classList.remove("error");
      status.textContent = "";
      button.disabled = true;
      xhr.send(new FormData(form));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-upload]"), enhanceUpload);
    Array.prototype.forEach.call(document.querySelectorAll(".back-link"), function (button) {
      if (window.history.length > 1) {
        button.hidden = false;
        button.addEventListener("click", function () { window.history.back(); });
      }
    });
  });
})();
