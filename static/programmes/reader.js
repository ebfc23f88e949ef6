// The reader. Without this script the passage named in the URL's fragment is still highlighted
// (CSS :target, its first fragment) and every passage's citation is there as text to select.
// With it: every fragment of that passage is highlighted, and so are the records beside the text
// that it feeds; a bar at the foot of the window copies its citation or its link.
(function () {
  function copyButton(label, text) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.dataset.copy = text;
    return button;
  }

  function highlight() {
    document.querySelectorAll(".is-target").forEach(function (el) {
      el.classList.remove("is-target");
    });
    document.querySelectorAll(".cite-bar").forEach(function (el) {
      el.remove();
    });
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (!id || id.indexOf("passage-") !== 0) return;
    document.querySelectorAll('[data-passage="' + CSS.escape(id) + '"]').forEach(function (el) {
      el.classList.add("is-target");
    });
    document.querySelectorAll(".margin li[data-passages]").forEach(function (li) {
      if (li.dataset.passages.split(" ").indexOf(id) !== -1) li.classList.add("is-target");
    });
    var listed = document.getElementById("cites-" + id.slice("passage-".length));
    var citation = listed && listed.querySelector(".citation-text");
    if (!citation || !navigator.clipboard) return;
    var bar = document.createElement("div");
    bar.className = "cite-bar";
    bar.setAttribute("role", "region");
    bar.setAttribute("aria-label", "Cite this passage");
    var quote = listed.querySelector("q").cloneNode(true);
    bar.appendChild(quote);
    bar.appendChild(copyButton("Copy citation", citation.textContent));
    bar.appendChild(copyButton("Copy link", citation.dataset.link));
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "Close";
    close.addEventListener("click", function () { bar.remove(); });
    bar.appendChild(close);
    document.querySelector("main").appendChild(bar);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button || !navigator.clipboard) return;
    navigator.clipboard.writeText(button.dataset.copy).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });
  window.addEventListener("hashchange", highlight);
  document.addEventListener("DOMContentLoaded", highlight);
})();
