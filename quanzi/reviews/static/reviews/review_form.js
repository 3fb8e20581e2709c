/* The review form's photo picker: the chosen photos appear as previews at once, and choosing
   more than the limit says so before anything is sent (the server checks again). */
(function () {
  "use strict";
  var input = document.querySelector("[data-testid=review-photos]");
  var previews = document.getElementById("review-previews");
  var tooMany = document.getElementById("review-too-many");
  if (!input || !previews) return;
  var urls = [];
  input.addEventListener("change", function () {
    urls.forEach(function (url) { URL.revokeObjectURL(url); });
    urls = [];
    previews.textContent = "";
    var limit = parseInt(input.dataset.max || "0", 10);
    var files = Array.prototype.slice.call(input.files || []);
    if (tooMany) tooMany.hidden = !(limit && files.length > limit);
    files.slice(0, limit || files.length).forEach(function (file) {
      if (!/^image\//.test(file.type)) return;
      var url = URL.createObjectURL(file);
      urls.push(url);
      var img = document.createElement("img");
      img.src = url;
      img.alt = file.name;
      img.dataset.testid = "review-preview";
      previews.appendChild(img);
    });
  });
})();
