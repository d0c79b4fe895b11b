# gospubliki — the two commands a newcomer needs:
#   make demo   run the daily pipeline on the embedded warehouse and the simulated networks
#   make test   run the whole test suite (what CI runs)
# Everything is installed from uv.lock into .venv; the warehouse is a local PostgreSQL the
# project starts itself (data in .gospubliki/, git-ignored).

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export GX_ANALYTICS_ENABLED := False
export DO_NOT_TRACK := 1

.PHONY: help setup demo ui superset test test-fast lint manifest warehouse-start warehouse-stop warehouse-status docs clean bench

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(VENV)/.synced: pyproject.toml uv.lock scripts/bootstrap.sh
	@scripts/bootstrap.sh

setup: $(VENV)/.synced  ## install the pinned environment into .venv

manifest: setup  ## parse the dbt project (target/manifest.json, used by the DAG)
	@$(BIN)/gospubliki dbt parse

demo: setup  ## run the daily DAG for the last 7 days on simulated networks, print summary and rating
	@$(BIN)/gospubliki demo

superset: setup  ## Apache Superset with the project's dashboards on 127.0.0.1:8088 (own env: bi/superset/.venv)
	@$(BIN)/python bi/superset/launcher.py

ui: setup  ## Airflow's UI on http://127.0.0.1:8080 with the simulated networks, until Ctrl-C (login printed)
	@$(BIN)/gospubliki ui

TEST_WORKERS ?= 2
test: setup  ## run every test (unit, integration on PostgreSQL, dbt, GX, Airflow, browser), TEST_WORKERS in parallel
	@scripts/ensure-chromium.sh
	@$(BIN)/gospubliki dbt parse --quiet
	@$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

test-fast: setup  ## unit tests only
	@$(BIN)/pytest tests/unit

lint: setup  ## ruff (incl. Airflow 3 rules)
	@$(BIN)/ruff check plugins dags tests

warehouse-start: setup  ## start the embedded PostgreSQL
	@$(BIN)/gospubliki warehouse start
warehouse-stop: setup  ## stop it
	@$(BIN)/gospubliki warehouse stop
warehouse-status: setup
	@$(BIN)/gospubliki warehouse status

docs: setup  ## generate dbt docs (dbt_project/target/index.html)
	@$(BIN)/gospubliki dbt docs

BENCH ?= all
BENCH_SCALE ?= region
BENCH_DAYS ?= 1,30
bench: setup  ## benchmarks of issue #10 → docs/benchmarks.md (BENCH=history,dbt,storage,load,capacity,demo BENCH_SCALE=region|national BENCH_DAYS=1,30,365)
	@$(BIN)/python benchmarks/bench.py --stages $(BENCH) --scale $(BENCH_SCALE) --days $(BENCH_DAYS)

clean:  ## stop the warehouse and delete generated files (keeps .venv)
	-@$(BIN)/gospubliki warehouse stop
	rm -rf .gospubliki dbt_project/target dbt_project/logs expectations/gx/uncommitted
