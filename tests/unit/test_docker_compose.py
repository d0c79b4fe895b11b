"""docker-compose.yaml cannot be run here (no Docker engine), so check what can be checked:
it parses, follows Airflow's official 3.x layout, and every reference inside it resolves."""

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
    assert {"postgres", "redis", "airflow-init", "warehouse", "metabase"} <= set(services)


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


def test_host_ports_are_unique(compose):
    ports = [p.split(":")[0] for s in compose["services"].values() for p in s.get("ports") or []]
    assert len(ports) == len(set(ports))
