# Thin wrappers. `make run` and `make test` are the README's two commands.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: setup assets db run serve chromium libreoffice test e2e bench check clean messages

$(BIN)/python:
	$(PY) -m venv $(VENV)

# Python dependencies, pinned in pyproject.toml.
setup: $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pybabel -q compile -d translations

# After changing UI strings: extract every message id, merge into the Chinese catalogue,
# translate the new entries in translations/zh/LC_MESSAGES/messages.po, then `make setup`.
messages: $(BIN)/python
	$(BIN)/pybabel -q extract -F babel.cfg -k N_ -k _l --ignore-dirs=".* node_modules __pycache__" --no-location --sort-output -o messages.pot .
	$(BIN)/pybabel update -i messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

# bpmn-js viewer and editor, bundled from npm packages (built assets are not committed).
assets:
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build

db: setup
	$(FLASK) init-db
	$(FLASK) processes load
	$(FLASK) demo load

run: setup assets db
	@echo ""
	@echo "  Open http://$(HOST):$(PORT)/  — demo logins above (username, password, role, scope)"
	@echo ""
	$(FLASK) run --host $(HOST) --port $(PORT)

# Production server: gunicorn with deploy/gunicorn.conf.py (WEB_WORKERS, BIND, DATABASE_URL...).
# Timers need `flask --app app worker` beside it; see docs/OPERATIONS.md.
serve: setup
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py

# Debian's Chromium for the browser tests (Playwright drives it via executable_path); the
# Chinese fonts also serve the dossier PDFs (WeasyPrint), whose text tests read with pdftotext.
chromium:
	@{ command -v chromium && command -v pdftotext; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium fonts-noto-cjk poppler-utils; \
	  else sudo apt-get update -q && sudo apt-get install -y -q chromium fonts-noto-cjk poppler-utils; fi; }

# The summary tables (推荐汇总表) must open in LibreOffice: a test converts one headless.
libreoffice:
	@command -v soffice >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q --no-install-recommends libreoffice-calc; \
	  else sudo apt-get update -q && sudo apt-get install -y -q --no-install-recommends libreoffice-calc; fi; }

# Two worker processes (the machine's two cores), each with its own PostgreSQL database
# (tests/conftest.py).
test: setup assets chromium libreoffice
	$(BIN)/pytest -n 2

e2e: setup assets chromium
	$(BIN)/pytest tests/browser

bench: setup
	$(BIN)/python -m tests.bench.run

check: setup
	$(FLASK) processes check

clean:
	rm -rf $(VENV) node_modules app/static/dist instance
