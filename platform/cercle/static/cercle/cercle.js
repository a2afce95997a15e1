// Cercle's few lines of JavaScript. Everything works without them; they make it smoother.
(function () {
  "use strict";
  function slugify(text) {
    var s = text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^[^a-z]+/, "").replace(/-+$/, "");
    return s.slice(0, 40).replace(/-+$/, "");
  }
  document.addEventListener("DOMContentLoaded", function () {
    // Suggest the workspace address from the association's name until the person edits it.
    var name = document.querySelector("[data-suggest-into]");
    if (name) {
      var slug = document.getElementById(name.getAttribute("data-suggest-into"));
      var touched = slug.value !== "";
      slug.addEventListener("input", function (event) { if (event.isTrusted) touched = true; });
      name.addEventListener("input", function () {
        if (touched) return;
        slug.value = slugify(name.value);
        slug.dispatchEvent(new Event("input", { bubbles: true }));
      });
    }
    // Focus the error summary so screen readers announce it.
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  });
  // A workspace can be installed as an app; its service worker adds the offline page.
  if ("serviceWorker" in navigator && document.querySelector('link[rel="manifest"]')) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js").catch(function () {});
    });
  }
})();
