// Draws every plotly figure on the page from its json_script data.
// <div data-chart="ID"> reads the JSON in <script id="ID" type="application/json">.
(function () {
  "use strict";
  var NARROW = 576;

  // The SVG button's icon: a page with a folded corner and an arrow down, in plotly's
  // icon format (drawn with paths only: the modebar would set an "svg" icon as HTML).
  var SVG_ICON = {
    width: 24,
    height: 24,
    path: "M6 2h8l6 6v14H4V2h2zm7 1.5V9h5.5L13 3.5zM11 11v5.2l-2.3-2.3-1.4 1.4L12 20l4.7-4.7-1.4-1.4-2.3 2.3V11h-2z"
  };

  // "Acme — Billing · Partnership Scorecard" and "roadmap-data" -> "acme-billing-roadmap".
  function fileName(chartId) {
    var page = document.title.split(" · ")[0];
    var chart = chartId.replace(/-data$/, "").replace(/^chart-/, "");
    var name = (page + " " + chart).toLowerCase().normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    return name || "chart";
  }

  // Saving a chart for slides: plotly's own PNG button, and one for SVG beside it. Both
  // draw in the page (canvas, then a blob: link that downloads): nothing is fetched and
  // nothing is evaluated, so the Content-Security-Policy needs no exception for it.
  function config(chartId) {
    var filename = fileName(chartId);
    return {
      responsive: true,
      displayModeBar: true,
      displaylogo: false,
      modeBarButtons: [[
        "toImage",
        {
          name: "toSVG",
          title: "Download plot as an SVG",
          icon: SVG_ICON,
          click: function (gd) {
            Plotly.downloadImage(gd, { format: "svg", filename: filename });
          }
        }
      ]],
      // Twice the drawn size: sharp on a projector.
      toImageButtonOptions: { format: "png", filename: filename, scale: 2 }
    };
  }

  // A step name on two lines: at its first space, or after a hyphen ("Co-marketing").
  function wrapName(name) {
    name = String(name);
    return name.indexOf(" ") >= 0 ? name.replace(" ", "<br>") : name.replace("-", "-<br>");
  }

  function fitToWidth(figure, width) {
    if (width >= NARROW) { return; }
    var roadmap = false;
    figure.data.forEach(function (trace) {
      // The roadmap's step names: smaller and on two lines, so each fits its tile.
      if (trace.meta === "rubric-grid") {
        roadmap = true;
        trace.text = trace.text.map(wrapName);
        trace.textfont = Object.assign({}, trace.textfont, { size: 8 });
      }
      // The radar's spokes keep their numbers, as the roadmap's axis does; the table names them.
      if (trace.type === "scatterpolar" && trace.theta) {
        trace.theta = trace.theta.map(function (label) { return String(label).split(".")[0]; });
      }
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
    var margin = { l: 52, r: 8 };
    if (roadmap) {
      // "Step 3" -> "3": the tiles get the width back.
      figure.layout.yaxis.ticktext = figure.layout.yaxis.ticktext.map(function (label) {
        return label.replace("Step ", "");
      });
      margin = { l: 20, r: 4 };
    }
    if (figure.layout.polar) { margin = { l: 24, r: 24 }; }
    figure.layout.margin = Object.assign({}, figure.layout.margin, margin);
  }

  // A comparison's roadmap: pointing at one integration's path fades the others.
  function highlightOnHover(element, figure) {
    var paths = [];
    figure.data.forEach(function (trace, index) {
      if (trace.meta === "current") { paths.push(index); }
    });
    if (paths.length < 2) { return; }
    element.on("plotly_hover", function (event) {
      var hovered = event.points[0].curveNumber;
      if (paths.indexOf(hovered) < 0) { return; }
      var opacity = paths.map(function (index) { return index === hovered ? 1 : 0.2; });
      Plotly.restyle(element, { opacity: opacity }, paths);
    });
    element.on("plotly_unhover", function () {
      Plotly.restyle(element, { opacity: 1 }, paths);
    });
  }

  // The chart arrives as one image (role="img", named by its label, described by its
  // table), and an image's content is hidden from assistive technology: the save
  // buttons inside it would be unreachable. Drawn, it becomes a figure under the same
  // name and description, whose drawing stays hidden and whose buttons are reachable.
  function exposeSaveButtons(element) {
    element.setAttribute("role", "figure");
    element.querySelectorAll(".main-svg").forEach(function (svg) {
      svg.setAttribute("aria-hidden", "true");
    });
  }

  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var source = document.getElementById(element.dataset.chart);
    if (!source || typeof Plotly === "undefined") { return; }
    var figure = JSON.parse(source.textContent);
    fitToWidth(figure, element.clientWidth);
    Plotly.newPlot(element, figure.data, figure.layout, config(element.dataset.chart)).then(function () {
      exposeSaveButtons(element);
      highlightOnHover(element, figure);
    });
  });
})();
