// 上传材料: drag-and-drop, several files at once and a progress bar. Without this file each slot's form posts
// one file and the page comes back; the server judges every file the same way either way.
(function () {
  "use strict";

  function field(form, name) {
    var input = form.querySelector("input[name=" + name + "]");
    return input ? input.value : "";
  }

  // The page again, with the new files: a navigation, or a reload when only the #fragment would change.
  function showPage(target) {
    var next = new URL(target, window.location.href);
    var here = new URL(window.location.href);
    next.hash = "";
    here.hash = "";
    if (next.href === here.href) { window.location.reload(); } else { window.location.assign(target); }
  }

  function setUp(form) {
    var input = form.querySelector("input[type=file]");
    var zone = form.querySelector("[data-drop-zone]");
    var box = form.querySelector("[data-upload-progress]");
    var bar = box.querySelector("progress");
    var text = form.querySelector("[data-upload-text]");
    var error = form.querySelector("[data-upload-error]");
    var key = form.querySelector("[data-upload-key]");
    var slot = parseInt(form.getAttribute("data-slot"), 10);
    var busy = false;

    input.multiple = true;
    form.querySelector("[data-drop-hint]").hidden = false;
    zone.classList.add("drop-zone-ready");

    function showError(message) {
      error.textContent = message;
      error.hidden = false;
      input.setAttribute("aria-invalid", "true");
    }

    function uploadOne(file, done, failed) {
      var data = new FormData();
      data.append("csrf_token", field(form, "csrf_token"));
      data.append("slot", String(slot));
      data.append("idempotency_key", key.value);
      data.append("file", file, file.name);
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("Accept", "application/json");
      request.setRequestHeader("X-CSRF-Token", field(form, "csrf_token"));
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) { bar.value = Math.round((event.loaded / event.total) * 100); }
      });
      request.addEventListener("load", function () {
        var body = null;
        try { body = JSON.parse(request.responseText); } catch (ignored) { body = null; }
        if (body === null) {
          var redirected = request.responseURL && request.responseURL !== form.action;
          if (redirected) {
            // Sent elsewhere (the sign-in page, after the session expired): show that page.
            window.location.assign(request.responseURL);
          } else {
            failed(file.name + "：上传失败（" + request.status + "），请刷新页面后重试");
          }
          return;
        }
        if (request.status >= 200 && request.status < 300) {
          if (body.upload_keys && body.upload_keys[slot]) { key.value = body.upload_keys[slot]; }
          done(body.location);
        } else {
          failed(file.name + "：" + (body.detail || "上传失败，请重试"));
        }
      });
      request.addEventListener("error", function () { failed(file.name + "：网络连接失败，请检查网络后重试"); });
      request.send(data);
    }

    function send(files) {
      if (busy || files.length === 0) { return; }
      busy = true;
      error.hidden = true;
      input.removeAttribute("aria-invalid");
      box.hidden = false;
      var sent = 0;
      var target = form.getAttribute("data-done-url");
      function next() {
        if (sent === files.length) {
          text.textContent = "上传完成";
          showPage(target);
          return;
        }
        bar.value = 0;
        text.textContent = "正在上传第 " + (sent + 1) + " / " + files.length + " 个：" + files[sent].name;
        uploadOne(files[sent], function (answered) {
          sent += 1;
          target = answered || target;
          next();
        }, function (message) {
          busy = false;
          box.hidden = true;
          showError(sent > 0 ? message + "（此前的 " + sent + " 个文件已上传，刷新页面可查看）" : message);
        });
      }
      next();
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (input.files.length === 0) { showError("请选择要上传的文件"); return; }
      send(Array.prototype.slice.call(input.files));
    });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("drop-zone-over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("drop-zone-over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      send(Array.prototype.slice.call(event.dataTransfer.files));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.FormData || !window.XMLHttpRequest) { return; }
    document.querySelectorAll("form[data-upload]").forEach(setUp);
  });
})();
