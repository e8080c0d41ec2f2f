// Draws every plotly figure on the page from its json_script data.
// <div data-chart="ID"> reads the JSON in <script id="ID" type="application/json">.
(function () {
  "use strict";
  var NARROW = 576;
  var config = { displayModeBar: false, responsive: true };

  function fitToWidth(figure, width) {
    if (width >= NARROW) { return; }
    // On a phone the step names under each dot would collide; the table
    // beside every chart names the steps instead.
    figure.data.forEach(function (trace) {
      if (trace.meta === "rubric-grid") { trace.mode = "markers"; }
      // Heatmap rows are "Partner · Integration": keep a short integration name.
      if (trace.type === "heatmap" && trace.y) {
        trace.y = trace.y.map(function (label, index) {
          var name = String(label).split(" · ").pop();
          var short = name.length > 16 ? name.slice(0, 15) + "…" : name;
          // Rows may shorten alike; an invisible suffix keeps each its own row.
          return short + "\u200b".repeat(index);
        });
      }
    });
    figure.layout.font = Object.assign({}, figure.layout.font, { size: 11 });
    // Category names would overlap too: keep their numbers ("1. Value transfer" -> "1").
    var xaxis = figure.layout.xaxis;
    if (xaxis && xaxis.ticktext) {
      xaxis.ticktext = xaxis.ticktext.map(function (label) { return label.split(".")[0]; });
    }
    figure.layout.margin = Object.assign({}, figure.layout.margin, { l: 52, r: 8 });
  }

  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var source = document.getElementById(element.dataset.chart);
    if (!source || typeof Plotly === "undefined") { return; }
    var figure = JSON.parse(source.textContent);
    fitToWidth(figure, element.clientWidth);
    Plotly.newPlot(element, figure.data, figure.layout, config);
  });
})();
