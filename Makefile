# Kasb: `make demo` serves the platform with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
PYTEST := $(BIN)/pytest
export KASB_DATA_DIR ?= $(CURDIR)/var

.PHONY: install demo serve test test-unit test-browser lint messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: install
	PORT=$(PORT) $(BIN)/kasb demo

serve: install
	PORT=$(PORT) $(BIN)/kasb serve

# The whole suite: unit and integration tests, then the browser tests (skipped, with the reason,
# when no Chromium is installed; .ci/run installs Debian's).
test: test-unit test-browser

test-unit: install
	KASB_FAST_HASHER=1 KASB_INLINE_THREADS=0 $(PYTEST) -q -m "not browser" -p no:randomly

test-browser: install
	KASB_FAST_HASHER=1 $(PYTEST) -q -m browser kasb

lint: install
	$(BIN)/ruff check kasb bench
	$(BIN)/mypy kasb

# Re-extract and compile the translation catalogues (needs GNU gettext).
messages: install
	cd kasb && ../$(BIN)/kasb makemessages -l ar -l ru -l tg -l fr --no-obsolete --no-location
	cd kasb && ../$(BIN)/kasb compilemessages

bench: install
	$(BIN)/python bench/import_participants.py
	$(BIN)/python bench/page_weight.py
	$(BIN)/python bench/payments_statement.py
	$(BIN)/python bench/payout_batch.py
	$(BIN)/python bench/microwork_claim_submit.py
	$(BIN)/python bench/legacy_import.py
	$(BIN)/python bench/monitoring_dashboard.py

clean:
	rm -rf $(VENV) var .pytest_cache
