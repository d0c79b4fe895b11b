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
UV_PYTHON="$PYTHON" .tools/bin/uv sync --frozen --quiet
touch .venv/.synced
