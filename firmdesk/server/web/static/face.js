// 人脸认证: while the phone verifies, ask the server every 2 seconds and show the result as soon as there is one.
// Without this file the page's 刷新 button does the same.
(function () {
  "use strict";
  var INTERVAL_MS = 2000;
  var RETRY_MS = 5000;

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-face-poll]");
    if (!box || !window.fetch) { return; }
    var url = box.getAttribute("data-status-url");
    var state = box.querySelector("[data-face-state]");

    function poll() {
      window.fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (answer) {
          if (answer.redirected) { window.location.reload(); return null; }  // signed out meanwhile
          if (!answer.ok) { throw new Error(String(answer.status)); }
          return answer.json();
        })
        .then(function (body) {
          if (body === null) { return; }
          if (body.status !== "pending") {
            state.textContent = body.status_label;
            window.location.reload();
          } else {
            window.setTimeout(poll, INTERVAL_MS);
          }
        })
        .catch(function () { window.setTimeout(poll, RETRY_MS); });
    }
    window.setTimeout(poll, INTERVAL_MS);
  });
})();
