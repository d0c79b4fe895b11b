#!/usr/bin/env bash
# Install Apache Superset into bi/superset/.venv from bi/superset/uv.lock (its own environment: its
# pins conflict with Airflow's, so it never touches the pipeline's .venv or uv.lock). Uses the
# project's pinned uv (.tools/bin/uv, installed by scripts/bootstrap.sh) and its cache: with a warm
# uv cache this takes a few seconds.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
if [ ! -x "$ROOT/.tools/bin/uv" ]; then
  "$ROOT/scripts/bootstrap.sh"
fi
cd "$HERE"
UV_PROJECT_ENVIRONMENT="$HERE/.venv" "$ROOT/.tools/bin/uv" sync --frozen --quiet --compile-bytecode --python 3.11 --no-install-project
