# Airflow image with the project installed from the lock file (used by docker-compose.yaml).
FROM apache/airflow:3.3.2-python3.11
USER root
# Debian's Chromium prints the weekly region reports to PDF (headless, driven by Playwright;
# GOSPUBLIKI_CHROMIUM defaults to /usr/bin/chromium); DejaVu has the Cyrillic glyphs
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-dejavu-core \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY --chown=airflow:0 pyproject.toml uv.lock README.md /opt/gospubliki/
COPY --chown=airflow:0 plugins /opt/gospubliki/plugins
# what the code resolves next to the package at run time (settings.REPO_ROOT): the DAGs, the dbt
# project and the GX file context; compose mounts the working copies over them (checked by
# tests/unit/test_docker_compose.py)
COPY --chown=airflow:0 dags /opt/gospubliki/dags
COPY --chown=airflow:0 dbt_project /opt/gospubliki/dbt_project
COPY --chown=airflow:0 expectations /opt/gospubliki/expectations
USER airflow
# Install exactly the locked versions (uv exports the lock as pinned requirements).
RUN pip install --no-cache-dir "uv==0.13.9" \
 && cd /opt/gospubliki \
 && uv export --frozen --no-dev --no-emit-project --no-hashes -o /tmp/requirements.txt \
 && pip install --no-cache-dir -r /tmp/requirements.txt \
 && pip install --no-cache-dir --no-deps -e /opt/gospubliki
