#!/usr/bin/env bash
# docker-compose's superset service (bi/superset/Dockerfile): the same Superset, configuration and
# dashboards as `make superset`, on the compose warehouse. The BI login `superset` is created by
# airflow-init (only it has the warehouse's admin URL); its password comes from .env and is given
# to Superset at import, never written in a file. Metadata: SQLite in the superset-home volume.
set -euo pipefail
cd /opt/superset
: "${SUPERSET_ADMIN_PASSWORD:?set SUPERSET_ADMIN_PASSWORD in .env}"
: "${SUPERSET_BI_PASSWORD:?set SUPERSET_BI_PASSWORD in .env}"
.venv/bin/python init_metadata.py --sync-roles --admin "${GOSPUBLIKI_SUPERSET_ADMIN:-admin}"
.venv/bin/gunicorn --bind 0.0.0.0:8088 --workers 2 --worker-class gthread --threads 8 --timeout 180 \
  --limit-request-line 0 --limit-request-field_size 0 "superset.app:create_app()" &
server=$!
until .venv/bin/python -c "import requests, sys; sys.exit(requests.get('http://127.0.0.1:8088/health', timeout=5).status_code != 200)" 2>/dev/null; do
  kill -0 "$server"  # the server died: stop here (compose restarts the service)
  sleep 2
done
SUPERSET_URL=http://127.0.0.1:8088 .venv/bin/python launcher.py import
wait "$server"
