# Two entry points, both safe to run on a fresh machine (they install what they need):
#   make chat   - install into .venv, build ./index from examples/ if missing, start the chat
#   make test   - install into .venv (with test extras), run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: chat test install lint bench browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -e '.[test]'
	touch $@

install: $(STAMP)

chat: $(STAMP)
	$(BIN)/python app.py

# The browser tests drive Debian's chromium (playwright's own download fails offline).
# Installed here when missing and we are root; otherwise those tests skip and say why.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing chromium for the browser tests (apt-get)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q --no-install-recommends chromium >/dev/null \
	  || { apt-get update -q >/dev/null && \
	       apt-get install -y -q --no-install-recommends chromium >/dev/null; }; \
	fi

test: $(STAMP) browser
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check qa tests bench app.py

bench: $(STAMP)
	$(BIN)/python bench/bench_ingest.py
