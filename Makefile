# Citizen Portal — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
BIN := .venv/bin
# Three test processes on two cores: the browser files wait on Chromium about a quarter of the
# time. A file at a time, in tests/conftest.py's order.
PYTEST_ARGS := -n 3 --dist loadfile --no-loadscope-reorder

# A shell that forbids writing bytecode (PYTHONDONTWRITEBYTECODE, set on some CI images) makes
# every Python process compile the backend and its libraries again: ~2 s of CPU for each
# `portal` command, server and worker the tests start, hundreds a run. .pyc files are
# gitignored; Python writes them atomically, so parallel test processes may share them.
unexport PYTHONDONTWRITEBYTECODE

.DEFAULT_GOAL := help
.PHONY: help install run test lint typecheck pytest browser ci clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

install: $(UV) ## Install the pinned dependencies (uv.lock) into .venv
	$(UV) sync --frozen --quiet

run: install ## Install, migrate, load demo data and serve on http://localhost:8000 (SQLite)
	$(BIN)/portal migrate
	$(BIN)/portal demo
	@echo "Citizen Portal: open http://localhost:8000 (Ctrl+C stops)"
	$(BIN)/portal serve

test: install browser node-tools ## Install test needs and run lint, types and every test
	@# lint and mypy run beside pytest, which leaves about a quarter of two cores idle (tests
	@# waiting on browsers, servers and timers); their output follows pytest's.
	@checks=$$(mktemp); $(MAKE) --no-print-directory lint typecheck >$$checks 2>&1 & pid=$$!; \
	$(BIN)/pytest $(PYTEST_ARGS); tests=$$?; wait $$pid; checked=$$?; \
	cat $$checks; rm -f $$checks; [ $$tests = 0 ] && [ $$checked = 0 ]

lint: install node-tools ## ruff (lint + format check); tsc type-checks the PWA's JSDoc
	$(BIN)/ruff check backend tests scripts
	$(BIN)/ruff format --check backend tests scripts
	$(TSC) -p pwa/tsconfig.json
	$(TSC) -p pwa/tsconfig.sw.json

typecheck: install ## mypy --strict on the backend
	$(BIN)/mypy backend

pytest: install ## Run the test suite (SQLite and PostgreSQL, headless Chromium)
	$(BIN)/pytest $(PYTEST_ARGS)

browser: ## Make sure Debian's Chromium and a Thai font (fonts-noto-core) are installed for browser tests
	@scripts/ensure-chromium

clean: ## Remove the virtualenvs and local data (var/)
	rm -rf .venv .tools var .pytest_cache .mypy_cache .ruff_cache

.PHONY: size load lighthouse axe node-tools lighthouse-tools
size: install browser ## PWA bytes: first visit ≤ 40 KB (JS ≤ 20 KB), repeat visit 0 B of shell, 304 ≤ 1 KB; a sign-in's round trips and bytes
	$(BIN)/python scripts/size.py

load: install browser ## PWA time to a usable screen on slow 3G and 2G (a relay slows the whole link; nginx, TLS, HTTP/2 as deployed) with a 4× slower CPU
	scripts/ensure-nginx
	$(BIN)/python scripts/load_slow3g.py

lighthouse: install lighthouse-tools ## Lighthouse mobile scores (and CLS, LCP, TBT) for /, sign-in, a service page, the dashboard
	$(BIN)/python scripts/lighthouse.py

axe: node-tools ## Install axe-core (npm) for the accessibility tests (they do it too)

TSC := .tools/node/node_modules/.bin/tsc
# npm removes what one install does not name: each names all that should stay.
NPM_INSTALL = npm install --no-save --no-audit --no-fund --prefix .tools/node
LIGHTHOUSE = .tools/node/node_modules/.bin/lighthouse
node-tools: ## Install axe-core and TypeScript (scripts/node-tools.txt) from npm into .tools/node
	@test -f .tools/node/node_modules/axe-core/axe.min.js -a -x $(TSC) || \
		$(NPM_INSTALL) $$(cat scripts/node-tools.txt) $$(test -x $(LIGHTHOUSE) && cat scripts/node-lighthouse.txt)

lighthouse-tools: node-tools ## Add Lighthouse (scripts/node-lighthouse.txt, 200 MB: only `make lighthouse` needs it)
	@test -x $(LIGHTHOUSE) || $(NPM_INSTALL) $$(cat scripts/node-tools.txt scripts/node-lighthouse.txt)

.PHONY: screenshots
screenshots: install browser ## The README's pictures of the main screens (docs/screens/, 360 px, Thai)
	$(BIN)/python scripts/screenshots.py

.PHONY: bench-push
bench-push: install ## Push end to end: status change → decrypted push, p50/p95 and pushes/s
	$(BIN)/python scripts/bench_notify.py

.PHONY: bench-booking
bench-booking: install ## Booking under contention: N citizens at once for the last place, and a place each
	$(BIN)/python scripts/bench_booking.py

.PHONY: bench
bench: install ## Dashboard under load: PostgreSQL with 1 M applications, SQLite 100 k (BENCH_ARGS=…)
	$(BIN)/python scripts/bench_dashboard.py $(BENCH_ARGS)

.PHONY: bench-writes
bench-writes: install ## Submissions and signed status changes under load, PostgreSQL and SQLite (BENCH_ARGS=--baseline main …)
	$(BIN)/python scripts/bench_writes.py $(BENCH_ARGS)

.PHONY: bench-mixed
bench-mixed: install ## A submission's latency while 32 phones read dashboards from the database (BENCH_ARGS=--engine sqlite postgres …)
	$(BIN)/python scripts/bench_mixed.py $(BENCH_ARGS)

.PHONY: ha-test
ha-test: install ## A measured Patroni failover and switchover under load (3 nodes + etcd + HAProxy, and via PgBouncer); installs Debian's packages if missing
	@scripts/ensure-ha-tools
	$(BIN)/python scripts/ha_test.py $(HA_ARGS)
