// Shows the resulting score while a rater chooses steps. The form also works
// without this script: the "Preview score" button asks the server instead.
(function () {
  "use strict";
  var form = document.getElementById("assess-form");
  var dataElement = document.getElementById("rubric-data");
  if (!form || !dataElement) { return; }
  var rubric = JSON.parse(dataElement.textContent);
  var total = document.getElementById("preview-total");
  var percentage = document.getElementById("preview-percentage");
  var band = document.getElementById("preview-band");
  var next = document.getElementById("preview-next");

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
      total.textContent = "–";
      percentage.textContent = "";
      band.className = "band-badge";
      band.textContent = "Choose a step in " + missing.map(function (c) { return c.name; }).join(", ");
      next.textContent = "";
      return;
    }
    var points = rubric.categories.reduce(function (sum, c) { return sum + steps[c.key]; }, 0);
    var found = rubric.bands.filter(function (b) { return points >= b.low && points <= b.high; })[0];
    total.textContent = points;
    percentage.textContent = Math.round(100 * points / rubric.max_total) + "%";
    band.className = "band-badge band-" + found.key;
    band.textContent = found.name;
    var first = rubric.categories.filter(function (c) { return steps[c.key] < 3; })[0];
    next.textContent = first
      ? "Next step: " + first.name + ": " + first.steps[steps[first.key] - 1] + " → " + first.steps[steps[first.key]]
      : "Every category at its top step.";
  }

  form.addEventListener("change", update);
  update();
})();
