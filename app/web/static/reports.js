/* The reports page (报告与导出): a progress indicator while a report is made, then the download.
   Progressive enhancement only: every link and form works without this file (the browser downloads directly).
   While a file is made, its section is aria-busy and the live region says so; the result or the server's
   refusal (message_zh / message_en) is announced there too. */
(function () {
  "use strict";

  var box, spinner, text, busy = false;

  function say(template, name, detail) {
    text.textContent = template.replace("%s", name).replace("%s", detail || "");
  }

  function fileName(response, fallback) {
    var header = response.headers.get("Content-Disposition") || "";
    var star = /filename\*=UTF-8''([^;]+)/i.exec(header);
    if (star) { try { return decodeURIComponent(star[1]); } catch (e) { /* fall through */ } }
    var plain = /filename="?([^";]+)"?/i.exec(header);
    return plain ? plain[1] : fallback;
  }

  function refusal(response) {
    var lang = document.body.getAttribute("data-lang") || "zh";
    return response.text().then(function (body) {
      try {
        var data = JSON.parse(body);
        return (lang === "en" ? data.message_en : data.message_zh) || data.detail || "";
      } catch (e) {
        return response.status + " " + response.statusText;
      }
    });
  }

  function make(url, name, section) {
    if (busy) { return; }
    busy = true;
    section.setAttribute("aria-busy", "true");
    box.setAttribute("aria-busy", "true");
    spinner.hidden = false;
    text.parentNode.classList.remove("error");
    say(box.getAttribute("data-making"), name);
    function done() {
      busy = false;
      spinner.hidden = true;
      section.removeAttribute("aria-busy");
      box.removeAttribute("aria-busy");
    }
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) {
        return refusal(response).then(function (message) {
          done();
          text.parentNode.classList.add("error");
          say(box.getAttribute("data-failed"), name, message);
        });
      }
      return response.blob().then(function (blob) {
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = fileName(response, name);
        link.hidden = true;
        document.body.appendChild(link);
        link.click();
        setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
        done();
        say(box.getAttribute("data-ready"), name);
      });
    }).catch(function () {
      done();
      text.parentNode.classList.add("error");
      say(box.getAttribute("data-failed"), name, document.body.getAttribute("data-lang") === "en"
        ? "the connection was interrupted" : "网络连接中断");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    box = document.getElementById("report-progress");
    if (!box || !window.fetch || !window.URL || !URL.createObjectURL) { return; }
    spinner = box.querySelector(".spinner");
    text = box.querySelector(".report-text");
    Array.prototype.forEach.call(document.querySelectorAll("a[data-report]"), function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        make(link.href, link.getAttribute("data-report"), link.closest("section") || box);
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("form[data-report-form]"), function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var query = new URLSearchParams(new FormData(form)).toString();
        make(form.action + (query ? "?" + query : ""), form.getAttribute("data-report"), form.closest("section") || box);
      });
    });
  });
})();
