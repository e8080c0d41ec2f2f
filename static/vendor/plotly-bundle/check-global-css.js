// Fails the build when ../plotly.js-4.1.1/plotly-global.css no longer holds the rules
// plotly.js writes at load time (build/plotcss.js): pages link that file instead, so
// that the Content-Security-Policy can refuse inline styles.
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');

const source = fs.readFileSync(require.resolve('plotly.js/build/plotcss.js'), 'utf8');
const literal = source.match(/var rules = (\{[\s\S]*?\n\});/);
if(!literal) throw new Error('plotly.js/build/plotcss.js: no "var rules = {...};" found');
const rules = vm.runInNewContext('(' + literal[1] + ')');

// As plotcss.js expands them; each rule is inserted at the top of the sheet, so the
// file lists them in reverse.
const expected = Object.entries(rules).map(([selector, style]) => {
    const full = selector.replace(/^,/, ' ,')
        .replace(/X/g, '.js-plotly-plot .plotly')
        .replace(/Y/g, '.plotly-notifier');
    return full + ' { ' + style + ' }';
}).reverse();

const cssPath = process.argv[2];
const css = fs.readFileSync(cssPath, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
const actual = css.split('\n').map((line) => line.trim()).filter(Boolean);

const missing = expected.filter((rule) => !actual.includes(rule));
const extra = actual.filter((rule) => !expected.includes(rule));
const sameOrder = missing.length === 0 && extra.length === 0 &&
    expected.every((rule, i) => actual[i] === rule);
if(!sameOrder) {
    console.error(path.basename(cssPath) + ' differs from plotly.js/build/plotcss.js:');
    missing.forEach((rule) => console.error('  missing: ' + rule));
    extra.forEach((rule) => console.error('  not in plotly.js: ' + rule));
    if(!missing.length && !extra.length) console.error('  same rules, another order');
    console.error('Regenerate it (see its header comment).');
    process.exit(1);
}
console.log(path.basename(cssPath) + ': the ' + expected.length + ' rules of plotly.js\'s build/plotcss.js, in order');
