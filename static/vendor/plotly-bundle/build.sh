#!/usr/bin/env bash
# Builds ../plotly.js-4.1.1/plotly-scorecard.min.js, the plotly.js the app serves: only
# the trace types it draws (index.js), from the versions pinned in package-lock.json.
# Needs node and npm (and the npm registry, for the install); the app itself does not:
# the built file is committed, and `make run` never calls this. Rerun it after changing
# index.js or upgrading plotly.js (then bump the folder name, see ../README.md).
set -euo pipefail
cd "$(dirname "$0")"

version=$(node -p 'require("./package-lock.json").packages["node_modules/plotly.js"].version')
out_dir="../plotly.js-${version}"
out="${out_dir}/plotly-scorecard.min.js"
mkdir -p "$out_dir"

# Exactly the lock's versions; node_modules stays here, out of git and collectstatic.
npm ci --no-audit --no-fund --loglevel=error

traces=$(node -e '
  const src = require("fs").readFileSync("index.js", "utf8");
  console.log([...src.matchAll(/plotly\.js\/lib\/(\w+)/g)].map(m => m[1]).filter(n => n !== "core").join(", "));
')
banner="/**
* plotly.js (scorecard - minified) v${version}: core + ${traces}
* Copyright 2012-2026, Plotly, Inc.
* All rights reserved.
* Licensed under the MIT license
* Built by static/vendor/plotly-bundle/build.sh (esbuild $(npx --no-install esbuild --version))
*/"

# As plotly.js's own esbuild-config.js builds its dist bundles, less the plugins that
# only WebGL and map traces need: `global` is the browser's window (without it the
# bundle fails with "global is not defined"), CSS that only map traces import is
# dropped, and the legal comments of bundled packages are kept at the end.
npx --no-install esbuild index.js \
  --bundle --minify --format=iife --global-name=Plotly --target=es2016 \
  --define:global=window --define:define.amd=false \
  --loader:.css=empty \
  --legal-comments=eof \
  --banner:js="$banner" \
  --log-level=warning \
  --outfile="$out"

# The upstream licence beside the file, and plotly.js's stylesheet still matching it.
cp node_modules/plotly.js/LICENSE "${out_dir}/LICENSE"
node check-global-css.js "${out_dir}/plotly-global.css"

node -e '
  const fs = require("fs"), zlib = require("zlib");
  const body = fs.readFileSync(process.argv[1]);
  const kb = (n) => (n / 1024).toFixed(1) + " KB";
  const gz = zlib.gzipSync(body, {level: 9}).length;
  const br = zlib.brotliCompressSync(body, {params: {[zlib.constants.BROTLI_PARAM_QUALITY]: 11}}).length;
  console.log(process.argv[1] + ": " + kb(body.length) + ", gzip " + kb(gz) + ", brotli " + kb(br));
' "$out"
