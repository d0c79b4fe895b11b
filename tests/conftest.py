"""Shared fixtures: a real PostgreSQL (the embedded warehouse, or GOSPUBLIKI_WAREHOUSE_URL) and a
fresh database per test that needs one."""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("DO_NOT_TRACK", "1")

# Airflow reads its configuration when first imported: point it at a test home (SQLite metadata
# DB, the repo's dags/) before any test module imports it. Under pytest-xdist each worker gets its
# own Airflow home and its own copy of the GX file context (validation results and Data Docs are
# written there), so parallel workers share nothing but the PostgreSQL server, where each test
# has a database of its own.
from gospubliki import airflow_env, settings  # noqa: E402

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
airflow_env.apply(airflow_home=settings.home() / f"airflow-test{'-' + WORKER if WORKER else ''}")
if WORKER and "GOSPUBLIKI_EXPECTATIONS_DIR" not in os.environ:
    import shutil

    _gx = settings.home() / f"expectations-{WORKER}"
    shutil.rmtree(_gx, ignore_errors=True)
    shutil.copytree(settings.REPO_ROOT / "expectations" / "gx", _gx / "gx", ignore=shutil.ignore_patterns("uncommitted"))
    os.environ["GOSPUBLIKI_EXPECTATIONS_DIR"] = str(_gx)


def _with_db(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + dbname))


@pytest.fixture(scope="session")
def server_url() -> str:
    """Admin URL of a running PostgreSQL server (started by the project when embedded): the
    superuser that creates the test databases (``GOSPUBLIKI_WAREHOUSE_ADMIN_URL`` or, without it,
    ``GOSPUBLIKI_WAREHOUSE_URL`` on an external server)."""
    from gospubliki import settings
    from gospubliki.warehouse import server

    server.start()
    return settings.admin_url()


def _pipeline_url() -> str:
    """The pipeline's (non-superuser owner) role: every test database belongs to it and the tests
    run the pipeline as it, as production does."""
    return settings.warehouse_url()


def _create_db(server_url: str, name: str) -> str:
    pipeline = _pipeline_url()
    admin = psycopg2.connect(_with_db(server_url, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'drop database if exists "{name}" with (force)')
        cur.execute(f'create database "{name}" owner "{urlsplit(pipeline).username}"')
    admin.close()
    return _with_db(pipeline, name)


def _drop_db(server_url: str, name: str) -> None:
    admin = psycopg2.connect(_with_db(server_url, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'drop database if exists "{name}" with (force)')
    admin.close()


@pytest.fixture
def fresh_db(server_url, monkeypatch) -> str:
    """A new empty database for one test, owned by the pipeline's role; GOSPUBLIKI_WAREHOUSE_URL
    points at it (as that role) during the test, GOSPUBLIKI_WAREHOUSE_ADMIN_URL at it as the admin."""
    name = f"gp_test_{uuid.uuid4().hex[:10]}"
    url = _create_db(server_url, name)
    monkeypatch.setenv("GOSPUBLIKI_WAREHOUSE_URL", url)
    monkeypatch.setenv("GOSPUBLIKI_WAREHOUSE_ADMIN_URL", _with_db(server_url, name))
    yield url
    _drop_db(server_url, name)


@pytest.fixture(scope="module")
def module_db(server_url) -> str:
    """A new empty database shared by the tests of one module, owned by the pipeline's role (set
    the env vars yourself)."""
    name = f"gp_mod_{uuid.uuid4().hex[:10]}"
    url = _create_db(server_url, name)
    yield url
    _drop_db(server_url, name)



@pytest.fixture(scope="module")
def local_airflow_env(server_url, tmp_path_factory):
    """``make(warehouse_url)`` → the environment of a ``gospubliki`` subprocess with a home of its
    own that runs the local Airflow (``make ui``, ``gospubliki airflow …``) on the test server and
    the warehouse database ``warehouse_url``: a metadata database of its own
    (``GOSPUBLIKI_AIRFLOW_DATABASE``, dropped after the module) and the installation's
    metadata-role password copied into that home — the role is one per server, so a home with
    another password would change it under the other tests' stacks."""
    import shutil

    from gospubliki import airflow_stack
    from gospubliki import settings as gp_settings

    made: list[str] = []

    def make(warehouse_url: str) -> dict[str, str]:
        home = tmp_path_factory.mktemp("home")
        name = f"gp_airflow_{uuid.uuid4().hex[:10]}"
        airflow_stack.ensure_metadata_db(name, server_url)
        made.append(name)
        secrets = home / "secrets"
        secrets.mkdir(mode=0o700)
        shutil.copy2(gp_settings.secrets_dir() / "airflow_metadata.password", secrets)
        return {"GOSPUBLIKI_HOME": str(home), "GOSPUBLIKI_AIRFLOW_DATABASE": name,
                "GOSPUBLIKI_WAREHOUSE_URL": warehouse_url,
                "GOSPUBLIKI_WAREHOUSE_ADMIN_URL": _with_db(server_url, urlsplit(warehouse_url).path.lstrip("/"))}

    yield make
    for name in made:
        airflow_stack.drop_metadata_db(name, server_url)
