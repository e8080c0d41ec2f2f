// Shows the resulting score while a rater chooses steps. The form also works
// without this script: the "Preview score" button asks the server instead.
(function () {
  "use strict";
  var form = document.getElementById("assess-form");
  var dataElement = document.getElementById("rubric-data");
  if (!form || !dataElement) { return; }
  var rubric = JSON.parse(dataElement.textContent);
  // The side panel and, on phones, the bottom bar both show the total and band.
  var totals = form.querySelectorAll(".js-preview-total");
  var bands = form.querySelectorAll(".js-preview-band");
  var percentage = document.getElementById("preview-percentage");
  var next = document.getElementById("preview-next");

  function show(elements, text, className) {
    elements.forEach(function (element) {
      element.textContent = text;
      rubric.bands.forEach(function (band) { element.classList.remove("band-" + band.key); });
      if (className) { element.classList.add(className); }
    });
  }

  function chosenSteps() {
    var steps = {};
    rubric.categories.forEach(function (category) {
      var checked = form.querySelector('input[name="' + category.key + '"]:checked');
      if (checked) { steps[category.key] = parseInt(checked.value, 10); }
    });
    return steps;
  }

  function update() {
    var steps = chosenSteps();
    var missing = rubric.categories.filter(function (c) { return !(c.key in steps); });
    if (missing.length) {
      show(totals, "–");
      show(bands, "Choose a step in " + missing.map(function (c) { return c.name; }).join(", "));
      percentage.textContent = "";
      next.textContent = "";
      return;
    }
    var points = rubric.categories.reduce(function (sum, c) {
      return sum + c.steps[steps[c.key] - 1].points;
    }, 0);
    var found = rubric.bands.filter(function (b) { return points >= b.low && points <= b.high; })[0];
    show(totals, String(points));
    show(bands, found.name, "band-" + found.key);
    percentage.textContent = Math.round(100 * points / rubric.max_total) + "%";
    var first = rubric.categories.filter(function (c) { return steps[c.key] < rubric.max_step; })[0];
    next.textContent = first
      ? "Next step: " + first.name + ": " + first.steps[steps[first.key] - 1].name +
        " → " + first.steps[steps[first.key]].name
      : "Every category at its top step.";
  }

  form.addEventListener("change", update);
  update();
})();
