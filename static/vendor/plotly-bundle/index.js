// The plotly.js the app serves: the core (which holds scatter) and only the trace
// types scorecard/charts.py and partners/figures.py draw. A trace type added there must
// be registered here too, and the bundle rebuilt (build.sh): plotly.js draws nothing
// for a type it does not know.
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/scatter'), // go.Scatter: the roadmap, trends, comparisons
    require('plotly.js/lib/bar'), // go.Bar: band counts, category averages
    require('plotly.js/lib/heatmap'), // go.Heatmap: the category-by-step grid
    require('plotly.js/lib/scatterpolar'), // the radar of the five categories
]);

module.exports = Plotly;
