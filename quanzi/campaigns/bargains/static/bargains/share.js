// The bargain page's share button: the system share sheet where there is one, else copy the
// link (and select it, so it can be copied by hand where the clipboard is refused).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-share]");
    if (!button) return;
    var input = document.getElementById("share-url");
    var url = input ? input.value : window.location.href;
    if (navigator.share) {
      navigator.share({ title: document.title, url: url }).catch(function () {});
      return;
    }
    if (input) input.select();
    if (navigator.clipboard) {
      navigator.clipboard.writeText(url).then(function () {
        button.textContent = button.getAttribute("data-copied") || button.textContent;
      }, function () {});
    }
  });
})();
