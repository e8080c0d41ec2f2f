# Partnership Scorecard — `make run` serves the demo, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
CHROMIUM ?= /usr/bin/chromium
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install python-venv chromium pdf-libs lint clean bench bench-import soak plotly-bundle

run: install  ## set up, load the demo data once, serve on http://127.0.0.1:8000
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo --site-url http://$(HOST):$(PORT)
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	DEBUG=$${DEBUG:-true} $(PY) manage.py runserver $(HOST):$(PORT)

test: install chromium  ## the whole suite, browser tests included
	DJANGO_ALLOW_ASYNC_UNSAFE=true CHROMIUM=$(CHROMIUM) $(PY) -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed pdf-libs

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null \
		|| { echo "Python 3.11 is needed (found: $(PYTHON))"; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || $(MAKE) --no-print-directory python-venv
	@# A half-made .venv (no pip) left by an earlier failed attempt is made again.
	@$(PY) -m pip --version >/dev/null 2>&1 || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

python-venv:  ## Debian's python3 comes without the venv module
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's python3-venv"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; \
	else \
		echo "Python's venv module is missing: install it (Debian/Ubuntu: sudo apt-get install python3-venv)."; \
		exit 1; \
	fi

chromium:  ## the browser tests drive the system Chromium (no browser download)
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Chromium at $(CHROMIUM)."; \
		echo "Install it (Debian/Ubuntu: sudo apt-get install chromium), or run"; \
		echo "'$(PY) -m playwright install chromium' and set CHROMIUM to its path."; \
		exit 1; \
	fi

pdf-libs:  ## review PDFs (WeasyPrint) need Pango, HarfBuzz's subsetter and a font
	@if ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' \
		&& ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so.0' \
		&& fc-list 2>/dev/null | grep -qi dejavu; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's Pango, HarfBuzz and DejaVu fonts for the review PDFs"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-dejavu-core >/dev/null; \
	else \
		echo "The review PDFs (WeasyPrint) need Pango and a font: install them"; \
		echo "(Debian/Ubuntu: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)."; \
		exit 1; \
	fi

bench: install  ## the scale benchmark (docs/benchmarks.md); BENCH_DURATION=… and friends tune it
	@if ! command -v wrk >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian's wrk for the benchmark"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
		else \
			echo "The benchmark loads the app with wrk: install it (Debian/Ubuntu: sudo apt-get install wrk)."; \
			exit 1; \
		fi; \
	fi
	$(PY) -m bench.run $(BENCH_ARGS)

bench-import: install  ## CSV import of the largest accepted files, timed (docs/benchmarks.md)
	$(PY) -m bench.imports $(BENCH_IMPORT_ARGS)

soak: install  ## two app servers on one PostgreSQL and one Redis under mixed load; SOAK_SECONDS=… (60)
	$(PY) -m bench.soak $(SOAK_ARGS)

plotly-bundle:  ## rebuild static/vendor/plotly.js-*/plotly-scorecard.min.js (needs node, npm and the npm registry)
	static/vendor/plotly-bundle/build.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	DEBUG=true $(PY) manage.py check

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .test-db.sqlite3*
