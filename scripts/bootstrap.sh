#!/usr/bin/env bash
# Create .venv from the lock file. Needs only python3 (3.11 or 3.12) with venv; no root.
# uv itself is pinned and installed into .tools/ with pip; everything else comes from uv.lock.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9
PYTHON=${PYTHON:-python3}
if [ ! -x .tools/bin/uv ] || [ "$(.tools/bin/uv --version | awk '{print $2}')" != "$UV_VERSION" ]; then
  echo "bootstrap: installing uv $UV_VERSION into .tools/"
  "$PYTHON" -m venv .tools
  .tools/bin/pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
echo "bootstrap: syncing .venv from uv.lock"
# --compile-bytecode: write every package's .pyc once, at install. Without it a process compiles
# each module it imports from source whenever .pyc files cannot be written (PYTHONDONTWRITEBYTECODE,
# as on CI and in many containers): ~3.5 s of CPU for dbt alone, paid by every Airflow task,
# dbt run and CLI call (docs/benchmarks.md, issue #10).
UV_PYTHON="$PYTHON" .tools/bin/uv sync --frozen --quiet --compile-bytecode
touch .venv/.synced
