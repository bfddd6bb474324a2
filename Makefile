# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: install
	$(BIN)/news-archive demo --out demo-archive

lint: install
	$(BIN)/ruff check .

# pywb (replay tests) lives in its own virtualenv: it pulls brotlipy, which breaks
# Scrapy's brotli decoding when installed next to it.
PYWB_VENV := .venv-pywb
$(PYWB_VENV)/.installed:
	$(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/python -m pip install --quiet pywb
	touch $@

# The benchmark and its smoke test run wget and GNU time; a fresh Debian machine may
# lack them, so install them from Debian's packages when missing (needs root).
BENCH_TOOLS := /usr/bin/wget /usr/bin/time
$(BENCH_TOOLS):
	@echo "installing wget and GNU time for the benchmark (apt-get)"
	apt-get update -qq && apt-get install -y -qq wget time

# Speed against wget on the replica (bench/crawl_vs_wget.py); ends with one JSON line.
# STORIES=20000 for the issue's large size.
STORIES ?= 1000
bench: install $(BENCH_TOOLS)
	$(BIN)/python bench/crawl_vs_wget.py --stories $(STORIES)

# ReplayWeb.page's own ui.js and sw.js (its npm package, pinned) and Debian's Chromium,
# for the replay tests in a real browser (tests/test_tools_replaywebpage.py). The package
# is unpacked, not installed: its built files need none of its dependencies.
RWP_VERSION := 2.5.3
RWP := .replaywebpage/package/sw.js
$(RWP):
	mkdir -p .replaywebpage
	cd .replaywebpage && npm pack --silent replaywebpage@$(RWP_VERSION) \
		&& tar xzf replaywebpage-$(RWP_VERSION).tgz
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@echo "installing Chromium for the ReplayWeb.page tests (apt-get)"
	apt-get update -qq && apt-get install -y -qq chromium

test: install lint $(PYWB_VENV)/.installed $(BENCH_TOOLS) $(RWP) $(CHROMIUM)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(PYWB_VENV) .replaywebpage demo-archive .pytest_cache
