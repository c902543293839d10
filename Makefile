# The README's commands. Needs only Python 3.11 and the OS package manager.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export FLASK_APP := wsgi:app

## Pinned dependencies with their hashes (pip-tools): requirements.lock for the app and its
## deployment extra, requirements-test.lock adds the test extra within the same pins.
LOCK      := requirements.lock
TEST_LOCK := requirements-test.lock
COMPILE   := $(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
             --no-emit-index-url --no-emit-find-links --no-header --resolver=backtracking

.PHONY: run test bench lint lock install test-install translations extract-messages browser calc font redis clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r $(LOCK)
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(VENV)/.test-installed: $(TEST_LOCK) $(VENV)/.installed
	$(BIN)/pip install -q --require-hashes -r $(TEST_LOCK)
	$(BIN)/pip install -q --no-deps -e .
	touch $@

## Regenerate both lock files from setup.cfg (after adding or changing a dependency there):
## the newest releases its ranges allow. The app's pins come first; the test lock keeps them.
lock: | $(BIN)/python
	$(BIN)/pip install -q 'pip-tools>=7.4,<8'
	$(COMPILE) --upgrade --extra deploy -o $(LOCK) setup.cfg
	$(COMPILE) --upgrade --extra deploy --extra test -c $(LOCK) -o $(TEST_LOCK) setup.cfg

install: $(VENV)/.installed

test-install: $(VENV)/.test-installed

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d translations

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 --no-location --sort-output \
		-o translations/messages.pot $(wildcard core craftsmen competitions innovation_studios certificates indicators api templates)
	$(BIN)/pybabel update -N --no-fuzzy-matching -i translations/messages.pot -d translations

## Headless Chromium and a Chinese font from the OS packages, for the browser tests; poppler's
## pdfsig, which the tests ask whether a certificate PDF's signature holds.
browser:
	@command -v chromium >/dev/null 2>&1 && command -v pdfsig >/dev/null 2>&1 && \
		[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || \
		( $(SUDO) apt-get update -qq && \
		  $(SUDO) apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei poppler-utils )

## LibreOffice Calc (headless), which the tests ask to open the product's spreadsheets and to
## save again the sheets people send back.
calc:
	@command -v soffice >/dev/null 2>&1 || \
		( $(SUDO) apt-get update -qq && \
		  $(SUDO) apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui )

## redis-server for the tests that run the app in several gunicorn workers sharing rate limits.
redis:
	@command -v redis-server >/dev/null 2>&1 || \
		( $(SUDO) apt-get update -qq && \
		  $(SUDO) apt-get install -y -qq --no-install-recommends redis-server )

## The Chinese font certificate PDFs embed, unless CERTIFICATE_FONT_PATH names another one.
font:
	@[ -n "$$CERTIFICATE_FONT_PATH" ] || [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || \
		( $(SUDO) apt-get update -qq && \
		  $(SUDO) apt-get install -y -qq --no-install-recommends fonts-wqy-microhei )

run: install translations font
	APP_CONFIG=development $(BIN)/flask db upgrade
	APP_CONFIG=development $(BIN)/flask seed-demo --if-empty
	@echo "打开 http://127.0.0.1:5000 （按 Ctrl+C 停止；后台任务 worker 随之停止）"
	@APP_CONFIG=development $(BIN)/flask jobs worker --workers 2 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  APP_CONFIG=development $(BIN)/flask run --host 127.0.0.1 --port 5000

## The suite in parallel (pytest-xdist): a worker per CPU, at most four, a test file's tests
## together on one worker. PYTEST_WORKERS=0 runs it in this one process.
PYTEST_WORKERS ?= auto
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) $(if $(filter 0,$(PYTEST_WORKERS)),,--maxprocesses 4 --dist loadfile)

test: test-install translations browser calc redis
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)

bench: test-install translations font
	@for f in bench/bench_*.py; do $(BIN)/python $$f || exit 1; done

lint: test-install
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) instance/craftsman.sqlite3 .pytest_cache
