"""docker-compose.yaml cannot be run here (no Docker engine), so check what can be checked:
it parses, follows Airflow's official 3.x layout, and every reference inside it resolves."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW_SERVICES = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-worker": "celery worker",
    "airflow-triggerer": "triggerer",
}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yaml").read_text())


def test_has_the_official_airflow_services_plus_warehouse_and_bi(compose):
    services = compose["services"]
    for name, command in AIRFLOW_SERVICES.items():
        assert services[name]["command"] == command, name
    assert {"postgres", "redis", "airflow-init", "warehouse", "superset"} <= set(services)


def test_airflow_services_share_the_common_block(compose):
    common = compose["x-airflow-common"]
    env = common["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert env["AIRFLOW__COSMOS__ENABLE_TELEMETRY"] == "false"
    assert "@warehouse:5432/" in env["AIRFLOW_CONN_GOSPUBLIKI_WAREHOUSE"]
    for name in AIRFLOW_SERVICES:
        service = compose["services"][name]
        assert service["image"] == common["image"], name
        assert service["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name


def test_depends_on_and_volumes_resolve(compose):
    services = compose["services"]
    named_volumes = set(compose.get("volumes") or {})
    for name, service in services.items():
        for dep in service.get("depends_on") or {}:
            assert dep in services, f"{name} depends on unknown service {dep}"
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing path {source}"
            elif not source.startswith("$"):
                assert source in named_volumes, f"{name} uses undeclared volume {source}"


def test_build_context_and_env_example_exist(compose):
    assert (ROOT / compose["x-airflow-common"]["build"] / "Dockerfile").exists()
    assert (ROOT / ".env.example").exists()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "uv.lock" in dockerfile and "apache/airflow:3.3" in dockerfile


def test_the_image_has_the_chromium_that_prints_the_region_reports(monkeypatch):
    """The weekly DAG prints every region report to PDF with the binary settings.chromium_path()
    names: the image installs Debian's package, which puts it there."""
    import re

    from gospubliki import settings

    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"apt-get install -y --no-install-recommends chromium\b", dockerfile)
    monkeypatch.delenv("GOSPUBLIKI_CHROMIUM", raising=False)
    assert settings.chromium_path().as_posix() == "/usr/bin/chromium"


def test_host_ports_are_unique(compose):
    ports = [p.rsplit(":", 1)[0] for s in compose["services"].values() for p in s.get("ports") or []]
    assert len(ports) == len(set(ports))


def test_the_pipeline_runs_as_the_non_superuser_owner_and_no_password_has_a_default(compose):
    """Issue 8: the warehouse superuser is not the pipeline's role, only the init step gets it,
    the roles script is mounted, the warehouse port is published on the host's loopback only,
    and no password falls back to a known value."""
    common = compose["x-airflow-common"]["environment"]
    warehouse = compose["services"]["warehouse"]
    assert common["AIRFLOW_CONN_GOSPUBLIKI_WAREHOUSE"].startswith("postgres://gospubliki_owner:")
    assert common["GOSPUBLIKI_WAREHOUSE_URL"].startswith("postgresql://gospubliki_owner:")
    assert warehouse["environment"]["POSTGRES_USER"] == "gospubliki_admin"
    assert "GOSPUBLIKI_WAREHOUSE_ADMIN_URL" not in common
    admin_url = compose["services"]["airflow-init"]["environment"]["GOSPUBLIKI_WAREHOUSE_ADMIN_URL"]
    assert admin_url.startswith("postgresql://gospubliki_admin:")
    for name in AIRFLOW_SERVICES:
        assert "GOSPUBLIKI_WAREHOUSE_ADMIN_URL" not in compose["services"][name].get("environment", common), name
    assert warehouse["ports"] == ["127.0.0.1:5433:5432"]
    assert "./deploy/warehouse-init:/docker-entrypoint-initdb.d:ro" in warehouse["volumes"]
    script = (ROOT / "deploy" / "warehouse-init" / "10-roles.sh").read_text()
    for statement in (
        "create role gospubliki_owner login inherit nosuperuser nocreatedb nocreaterole",
        "create database gospubliki owner gospubliki_owner",
        "revoke execute on function %s from public",
        "revoke connect, temporary on database postgres, template1 from public",
        "for db in template1 postgres gospubliki",
    ):
        assert statement in script, statement

    raw = (ROOT / "docker-compose.yaml").read_text()
    import re

    defaults = re.findall(r"\$\{(\w*(?:PASSWORD|SECRET)\w*):-([^}]*)\}", raw)
    assert defaults == [], defaults  # ${VAR:?…} (required), never ${VAR:-known}
    env_example = (ROOT / ".env.example").read_text()
    for name in (
        "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW_DB_PASSWORD", "WAREHOUSE_ADMIN_PASSWORD", "WAREHOUSE_PASSWORD",
        "SUPERSET_SECRET_KEY", "SUPERSET_ADMIN_PASSWORD", "SUPERSET_BI_PASSWORD",
    ):
        assert re.search(rf"^{name}=$", env_example, re.M), name


def test_every_path_the_code_resolves_at_run_time_is_in_the_image_or_mounted(compose):
    """Issue 9: the image installed the package but not the GX context, and compose did not point
    GOSPUBLIKI_EXPECTATIONS_DIR anywhere: every validation would have raised FileNotFoundError.
    Each folder the code resolves (settings.REPO_ROOT / … by default, or its variable) must be a
    folder the Dockerfile copies next to the package, and the variable compose sets must be a
    mounted folder of the repo."""
    import re

    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = dict(
        (dest, src) for src, dest in re.findall(r"^COPY (?:--\S+ )*(\S+) (\S+)$", dockerfile, re.M)
    )
    package_root = "/opt/gospubliki"  # where `pip install -e` puts settings.REPO_ROOT
    assert f"-e {package_root}" in dockerfile
    env = compose["x-airflow-common"]["environment"]
    mounts = dict(v.split(":")[1::-1] for v in compose["x-airflow-common"]["volumes"])  # target -> source
    for folder, variable in (
        ("dbt_project", "GOSPUBLIKI_DBT_PROJECT_DIR"),
        ("expectations", "GOSPUBLIKI_EXPECTATIONS_DIR"),
        ("dags", None),
    ):
        assert copied.get(f"{package_root}/{folder}") == folder, f"the image lacks {folder}/"
        assert (ROOT / folder).is_dir()
        if variable:
            target = env[variable]
            assert mounts.get(target) == f"./{folder}", f"{variable}={target} is not the mounted ./{folder}"
    assert (ROOT / "expectations" / "gx" / "great_expectations.yml").exists()


def test_the_raw_archive_is_a_named_volume_of_every_airflow_service(compose):
    """The retention task writes archived raw months to GOSPUBLIKI_ARCHIVE_DIR and drops them from
    the warehouse: left at its default (the container's GOSPUBLIKI_HOME, not a volume) the files
    would go with the container, and with them the only copy of those rows."""
    env = compose["x-airflow-common"]["environment"]
    mounts = dict(v.split(":")[1::-1] for v in compose["x-airflow-common"]["volumes"])  # target -> source
    target = env["GOSPUBLIKI_ARCHIVE_DIR"]
    assert mounts.get(target) == "raw-archive"
    assert "raw-archive" in compose["volumes"]
    assert not target.startswith(env["GOSPUBLIKI_HOME"])


def test_superset_mirrors_make_superset_and_metabase_is_gone(compose):
    """Issue 11: Metabase ran with an empty collection (no dashboards as code): removed. Superset
    is built from the same lock, configuration and dashboards as `make superset`, reads the
    warehouse as its own read-only BI login created by airflow-init, and its URL has no password."""
    services = compose["services"]
    assert "metabase" not in services
    superset = services["superset"]
    context = ROOT / superset["build"]
    dockerfile = (context / "Dockerfile").read_text()
    assert "uv sync --frozen" in dockerfile and "python:3.11" in dockerfile
    for name in ("pyproject.toml", "uv.lock", "superset_config.py", "init_metadata.py", "launcher.py", "assets"):
        assert name in dockerfile and (context / name).exists(), name
    assert "launcher.py import" in (context / "compose-start.sh").read_text()
    assert superset["ports"] == ["127.0.0.1:8088:8088"]
    assert "./bi/superset/assets:/opt/superset/assets:ro" in superset["volumes"]
    warehouse_url = superset["environment"]["SUPERSET_WAREHOUSE_URL"]
    assert warehouse_url == "postgresql://superset@warehouse:5432/gospubliki"  # no password in the URL
    init = " ".join(compose["services"]["airflow-init"]["command"])
    assert "gospubliki bi add-user superset" in init and "rotate-password superset" in init
    assert superset["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"


def test_the_celery_test_stack_is_configured_as_compose(compose, tmp_path, monkeypatch):
    """tests/airflow/test_celery_stack.py runs what compose deploys: the CeleryExecutor, a Redis
    broker, the result backend in the metadata PostgreSQL database (same database as
    SQL_ALCHEMY_CONN), the execution API on the api-server, one JWT secret for all components."""
    from urllib.parse import urlsplit

    from gospubliki import airflow_stack

    monkeypatch.setenv("GOSPUBLIKI_HOME", str(tmp_path))
    metadata = "postgresql+psycopg2://gospubliki_airflow:pw@127.0.0.1:5432/gospubliki_airflow"
    ours = airflow_stack.stack_env(tmp_path / "airflow", metadata, 28080,
                                   celery=airflow_stack.Celery(broker_url="redis://127.0.0.1:26379/0"))
    # compose's ${VAR:?…} interpolations stand for the values .env gives
    theirs = {k: re.sub(r"\$\{[^}]*\}", "value", str(v)) for k, v in compose["x-airflow-common"]["environment"].items()}

    def shape(env):
        db, backend = urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]), urlsplit(env["AIRFLOW__CELERY__RESULT_BACKEND"])
        return {
            "executor": env["AIRFLOW__CORE__EXECUTOR"],
            "broker": urlsplit(env["AIRFLOW__CELERY__BROKER_URL"]).scheme,
            "backend": backend.scheme,
            "backend is the metadata database": (backend.hostname, backend.port, backend.path, backend.username)
            == (db.hostname, db.port, db.path, db.username),
            "metadata": db.scheme,
            "execution api": urlsplit(env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]).path,
            "jwt secret set": bool(env["AIRFLOW__API_AUTH__JWT_SECRET"]),
        }

    assert shape(ours) == shape(theirs) == {
        "executor": "CeleryExecutor", "broker": "redis", "backend": "db+postgresql",
        "backend is the metadata database": True, "metadata": "postgresql+psycopg2",
        "execution api": "/execution/", "jwt secret set": True,
    }
