// Highlights every fragment of the passage named in the URL's fragment. Without this script the
// first fragment is still highlighted through CSS :target.
(function () {
  function highlight() {
    document.querySelectorAll(".passage.is-target").forEach(function (el) {
      el.classList.remove("is-target");
    });
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (!id) return;
    document.querySelectorAll('[data-passage="' + CSS.escape(id) + '"]').forEach(function (el) {
      el.classList.add("is-target");
    });
  }
  window.addEventListener("hashchange", highlight);
  document.addEventListener("DOMContentLoaded", highlight);
})();
