// The institute's workbench: keyboard-driven review of a batch. The page works without this file; the keys
// only move between CPAs and fill the decision form, which the server checks as any other post.
(function () {
  "use strict";
  var KEYS = { a: "approve", d: "defer", f: "fail", r: "return" };

  function reviews() { return Array.prototype.slice.call(document.querySelectorAll("section.review")); }

  function current() {
    var active = document.activeElement;
    var found = active && active.closest ? active.closest("section.review") : null;
    return found || document.querySelector("section.review.review-current");
  }

  function select(section) {
    if (!section) { return; }
    reviews().forEach(function (s) { s.classList.toggle("review-current", s === section); });
    section.focus({ preventScroll: true });
    section.scrollIntoView({ block: "start" });
  }

  function move(step) {
    var all = reviews();
    if (!all.length) { return; }
    var here = current();
    if (here && !here.contains(document.activeElement)) { select(here); return; }  // first key: the marked CPA
    var index = all.indexOf(here);
    var next = index < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, index + step));
    select(all[next]);
  }

  function decide(section, decision) {
    if (!section) { return; }
    var radio = section.querySelector("input[data-decision='" + decision + "']");
    if (!radio) { return; }  // decided already: nothing to choose
    radio.checked = true;
    var target = decision === "approve" ? section.querySelector(".decision-submit")
      : section.querySelector("textarea[name=reason]");
    if (target) { target.focus(); }
  }

  function toggleHelp() {
    var help = document.getElementById("shortcuts");
    if (!help) { return; }
    help.open = !help.open;
    if (help.open) { help.querySelector("summary").focus(); }
  }

  function typing(element) {
    if (!element) { return false; }
    var tag = element.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && element.type !== "radio") || element.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target.tagName === "TEXTAREA" && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (target.form) { target.form.requestSubmit(); }
      return;
    }
    if (event.key === "Escape" && typing(target)) {
      var section = target.closest("section.review");
      if (section) { event.preventDefault(); select(section); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(target)) { return; }
    var onRadio = target.tagName === "INPUT" && target.type === "radio";
    var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (key === "j" || (key === "ArrowDown" && !onRadio)) { event.preventDefault(); move(1); }
    else if (key === "k" || (key === "ArrowUp" && !onRadio)) { event.preventDefault(); move(-1); }
    else if (KEYS[key]) { event.preventDefault(); decide(current() || reviews()[0], KEYS[key]); }
    else if (key === "?") { event.preventDefault(); toggleHelp(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (!reviews().length || document.querySelector("[data-focus-on-load]")) { return; }
    // After a decision: on to the next CPA still waiting after the one just decided (else the first waiting).
    var decided = document.querySelector("[data-decided]");
    var all = reviews();
    var from = decided ? all.indexOf(document.getElementById("cpa-" + decided.getAttribute("data-decided"))) : -1;
    var waiting = all.filter(function (s, i) { return i > from && s.hasAttribute("data-pending"); })[0]
      || all.filter(function (s) { return s.hasAttribute("data-pending"); })[0];
    if (decided) {
      var next = waiting || all[Math.max(0, from)];
      select(next);
      // Scrolling to the URL's #fragment (the page without this file keeps its place by it) moves the focus
      // away again: take it back once the page has loaded, unless the user has moved on already.
      window.addEventListener("load", function () {
        if (document.activeElement === document.body || document.activeElement === null) { select(next); }
      });
      return;
    }
    // First visit: the page opens at the batch and the firm's materials; J or A starts at the first waiting CPA.
    if (waiting) { waiting.classList.add("review-current"); }
  });
})();
