# make run   — set everything up, log the quickstart experiment and start keel server on 127.0.0.1:5000
# make test  — set everything up and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The web UI: npm ci when the lockfile changes, a build when any UI source does.
UI_MODULES := ui/node_modules/.package-lock.json
UI_BUILD := src/keel/server/static/index.html
UI_SOURCES := $(shell find ui/src -type f) ui/index.html ui/vite.config.ts ui/tsconfig.json

.PHONY: run test lint bench clean ui

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(UI_MODULES): ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund

$(UI_BUILD): $(UI_MODULES) $(UI_SOURCES)
	cd ui && npm run build

ui: $(UI_BUILD)

run: $(STAMP) ui
	$(BIN)/python examples/quickstart.py
	@echo "keel server: http://127.0.0.1:5000  (MLFLOW_TRACKING_URI=http://127.0.0.1:5000 points MLflow code here)"
	$(BIN)/keel server --host 127.0.0.1 --port 5000

test: $(STAMP) ui
	cd ui && npm test
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP) ui
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/bench_tracking.py
	$(BIN)/python bench/bench_server.py
	$(BIN)/python bench/bench_ui.py

clean:
	rm -rf $(VENV) keel-data ui/node_modules src/keel/server/static
