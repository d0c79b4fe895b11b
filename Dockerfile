# Airflow image with the project installed from the lock file (used by docker-compose.yaml).
FROM apache/airflow:3.3.2-python3.11
USER root
COPY --chown=airflow:0 pyproject.toml uv.lock README.md /opt/gospubliki/
COPY --chown=airflow:0 plugins /opt/gospubliki/plugins
USER airflow
# Install exactly the locked versions (uv exports the lock as pinned requirements).
RUN pip install --no-cache-dir "uv==0.13.9" \
 && cd /opt/gospubliki \
 && uv export --frozen --no-dev --no-emit-project --no-hashes -o /tmp/requirements.txt \
 && pip install --no-cache-dir -r /tmp/requirements.txt \
 && pip install --no-cache-dir --no-deps -e /opt/gospubliki
