// FirmDesk web pages: small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // An error summary takes the focus, so keyboard and screen-reader users hear the problems first.
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) { summary.focus(); }
    // <form data-confirm="确认要…吗？">: ask before an irreversible step (the server checks everything anyway).
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
    // A form is sent once: a second submit is ignored and its buttons say so (the server is idempotent too).
    // Not `disabled`: Chromium may drop a submission whose button is disabled before the post leaves, which a
    // confirm() dialog's pause made happen about one time in six.
    document.querySelectorAll("form[method=post]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (event.defaultPrevented) { return; }
        if (form.hasAttribute("data-sent")) { event.preventDefault(); return; }
        form.setAttribute("data-sent", "");
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.setAttribute("aria-disabled", "true"); });
      });
    });
  });
})();
