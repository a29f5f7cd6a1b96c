# dialist: `make serve` and `make test` work on a machine with only Python 3.11, pip and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test lint types pytest bench clean postgres chromium

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

serve: $(STAMP)
	$(BIN)/dialist db upgrade
	$(BIN)/dialist demo --host $(HOST) --port $(PORT)
	exec $(BIN)/dialist serve --host $(HOST) --port $(PORT)

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/ruff format --check src tests $(wildcard bench)

types: $(DEV_STAMP)
	$(BIN)/mypy --strict src

# The tests start their own PostgreSQL server from Debian's binaries; install them if missing.
postgres:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q postgresql; }

# The browser tests drive Debian's Chromium (Playwright on the system browser); install it if missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium; }

pytest: $(DEV_STAMP) postgres chromium
	$(BIN)/pytest -q -n 2 --dist loadfile --durations=30

test: lint types pytest

# make bench ARGS="--only soak --minutes 30": the arguments of python -m bench (see bench/__main__.py)
bench: $(DEV_STAMP)
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
