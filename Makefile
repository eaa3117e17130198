# Xinyidai — the commands the README names.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PYTHON_FOR_VENV ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
DEPS_STAMP := $(VENV)/.deps-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.dev-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DEMO_SETTINGS := xinyidai.settings.dev
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help demo test lint bench services browser fmt messages clean

help:
	@echo "make demo   set up .venv, migrate the embedded SQLite database, load demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test   the whole suite on PostgreSQL and Redis (started locally if needed)"
	@echo "make lint   ruff, mypy, import contracts, makemigrations --check, check --deploy"
	@echo "make bench  benchmarks -> benchmarks/results.json"

$(BIN)/python:
	@if [ -z "$(PYTHON_FOR_VENV)" ]; then echo "需要 Python 3.11 或更高版本 / Python 3.11+ is required but was not found." >&2; exit 1; fi
	$(PYTHON_FOR_VENV) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(DEPS_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@rm -f $(VENV)/.deps-* && touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.dev-* $(VENV)/.deps-* && touch $@ $(DEPS_STAMP)

# The sandbox bank (docs/sandbox-bank.md) plays 粤信银行's loan system next to runserver, with
# the demo's fixed, public API key; SANDBOX=0 make demo leaves it out.
SANDBOX ?= 1
SANDBOX_PORT ?= 8001
SANDBOX_REPAY_AFTER ?= 60
SANDBOX_KEY_ID := bk_demo_sandbox
SANDBOX_SECRET := demo-sandbox-secret-2026
DEMO_ENV := DJANGO_SETTINGS_MODULE=$(DEMO_SETTINGS) DEMO_SANDBOX_KEY_ID=$(SANDBOX_KEY_ID) \
	DEMO_SANDBOX_SECRET=$(SANDBOX_SECRET)

demo: $(DEPS_STAMP)
	@mkdir -p var
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput -v0
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	@echo ""
	@echo "信易贷演示平台 / Xinyidai demo: http://$(HOST):$(PORT)/   (Ctrl-C 停止 / to stop)"
	@if [ "$(SANDBOX)" != "0" ]; then \
		echo "沙盒银行 / sandbox bank: http://127.0.0.1:$(SANDBOX_PORT)/webhooks   (SANDBOX=0 不启动 / to leave it out)"; \
		XYD_SECRET=$(SANDBOX_SECRET) $(BIN)/python -m bank_connectors.sandbox \
			--base-url http://$(HOST):$(PORT) --key-id $(SANDBOX_KEY_ID) \
			--listen 127.0.0.1:$(SANDBOX_PORT) --repay-after $(SANDBOX_REPAY_AFTER) --poll 30 \
			--keep-subscription & \
		sandbox=$$!; \
		trap 'kill $$sandbox 2>/dev/null; wait $$sandbox 2>/dev/null' EXIT; \
		trap 'exit 130' INT TERM; \
	fi; \
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

services: $(DEV_STAMP)
	$(BIN)/python scripts/ensure_services.py

# The browser journeys (tests/e2e/test_journeys.py) drive Debian's chromium through Playwright,
# never a browser build that Playwright downloads (no `playwright install`). CHROMIUM_PATH names
# another Chromium executable; without it, `chromium` is installed with apt-get when missing,
# with a Chinese font for readable screenshots (fonts-wqy-microhei).
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends
browser:
	@can_apt() { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }; \
	apt_install() { $(APT_INSTALL) "$$@" || { apt-get update && $(APT_INSTALL) "$$@"; }; }; \
	chromium="$${CHROMIUM_PATH:-$$(command -v chromium || echo /usr/bin/chromium)}"; \
	if [ ! -x "$$chromium" ] && [ -z "$$CHROMIUM_PATH" ] && can_apt; then \
		echo "chromium is missing; installing Debian's chromium with apt-get."; \
		apt_install chromium fonts-wqy-microhei; \
		chromium="$$(command -v chromium || echo /usr/bin/chromium)"; \
	fi; \
	if [ ! -x "$$chromium" ]; then \
		echo "make test: Chromium is not installed ($$chromium); the browser journeys need it." >&2; \
		echo "  Install Debian's package (sudo apt-get install chromium) or set CHROMIUM_PATH." >&2; \
		exit 1; \
	fi; \
	if command -v fc-list >/dev/null 2>&1 && [ -z "$$(fc-list :lang=zh 2>/dev/null)" ]; then \
		if can_apt; then apt_install fonts-wqy-microhei; else \
		echo "make test: no Chinese font; the journeys' screenshots will show boxes (apt-get install fonts-wqy-microhei)." >&2; fi; \
	fi

test: $(DEV_STAMP) services browser
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests — treated as a failure." >&2; exit 1; fi; \
	exit $$rc

lint: $(DEV_STAMP) services
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src cms risk_models bank_connectors
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=xinyidai.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=xinyidai.settings.prod DJANGO_SECRET_KEY=ci-check-deploy-$$(date +%s)-a8f3k2m9x7q4w1e6r5t0y3u8i2o7p4s9 \
		FIELD_ENCRYPTION_KEYS=$$($(BIN)/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
		DJANGO_ALLOWED_HOSTS=xinyidai.example $(BIN)/python manage.py check --deploy --fail-level WARNING

bench: $(DEV_STAMP)
	DJANGO_SETTINGS_MODULE=xinyidai.settings.test $(BIN)/python -m benchmarks

fmt: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: $(DEV_STAMP)
	$(BIN)/python manage.py makemessages -l en --ignore '.venv/*' --ignore 'var/*' --ignore 'docker/*' --ignore 'tests/*' --ignore 'benchmarks/*'
	$(BIN)/python scripts/compile_messages.py

clean:
	rm -rf var/demo.sqlite3 .pytest_cache .mypy_cache .ruff_cache
