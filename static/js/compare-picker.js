// The dashboard's "Compare selected" button: counts the ticked rows and keeps
// the button disabled until 2 to data-max rows are ticked. Without JavaScript
// the form still submits and the comparison page explains any problem.
(function () {
  "use strict";
  var form = document.querySelector(".js-compare-form");
  if (!form) { return; }
  var max = parseInt(form.dataset.max, 10) || 6;
  var button = form.querySelector(".js-compare-button");
  var counter = form.querySelector(".js-compare-count");

  function update() {
    var picked = form.querySelectorAll(".js-compare-pick:checked").length;
    button.disabled = picked < 2 || picked > max;
    if (picked === 0) {
      counter.textContent = "Tick 2–" + max + " rows to compare";
    } else if (picked > max) {
      counter.textContent = picked + " ticked: compare at most " + max;
    } else {
      counter.textContent = picked + " ticked";
    }
  }

  form.addEventListener("change", update);
  update();
})();
