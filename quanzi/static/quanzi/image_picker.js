/* A photo picker with previews, bound from data- attributes (no inline script): the chosen
   photos appear as previews at once, and choosing more than the limit says so before anything
   is sent (the server checks again). Listens on the document, so a picker that HTMX swaps in
   works too.

   <input type="file" multiple data-image-picker
          data-max="6"                        at most this many (0: no limit)
          data-previews="id"                  the element the previews go in
          data-too-many="id"                  shown while more than data-max are chosen
          data-preview-testid="review-preview">  each preview's data-testid
*/
(function () {
  "use strict";
  var urls = new WeakMap();

  function show(input) {
    var previews = document.getElementById(input.dataset.previews || "");
    if (!previews) return;
    (urls.get(input) || []).forEach(function (url) { URL.revokeObjectURL(url); });
    var made = [];
    previews.textContent = "";
    var limit = parseInt(input.dataset.max || "0", 10);
    var files = Array.prototype.slice.call(input.files || []);
    var tooMany = document.getElementById(input.dataset.tooMany || "");
    if (tooMany) tooMany.hidden = !(limit && files.length > limit);
    files.slice(0, limit || files.length).forEach(function (file) {
      if (!/^image\//.test(file.type)) return;
      var url = URL.createObjectURL(file);
      made.push(url);
      var img = document.createElement("img");
      img.src = url;
      img.alt = file.name;
      if (input.dataset.previewTestid) img.dataset.testid = input.dataset.previewTestid;
      previews.appendChild(img);
    });
    urls.set(input, made);
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input && input.matches && input.matches("input[type=file][data-image-picker]")) show(input);
  });
})();
