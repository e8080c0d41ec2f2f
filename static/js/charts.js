// Draws every plotly figure on the page from its json_script data.
// <div data-chart="ID"> reads the JSON in <script id="ID" type="application/json">.
(function () {
  "use strict";
  var config = { displayModeBar: false, responsive: true };
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var source = document.getElementById(element.dataset.chart);
    if (!source || typeof Plotly === "undefined") { return; }
    var figure = JSON.parse(source.textContent);
    Plotly.newPlot(element, figure.data, figure.layout, config);
  });
})();
