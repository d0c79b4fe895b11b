"""Fixtures for the tests that run Airflow as production does (gospubliki.airflow_stack): a small
simulated region registered in a fresh warehouse database, the simulator serving it, and a
metadata database of the stack's own, dropped afterwards."""

from __future__ import annotations

import uuid

import pytest

from gospubliki import airflow_env, airflow_stack
from gospubliki.reference.load import load_reference
from gospubliki.registry.importer import import_registry
from gospubliki.simulator.config import Faults
from gospubliki.simulator.connections import simulated_connections, world_spec
from gospubliki.simulator.registry import write_registry_csv
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.server import start_in_thread
from gospubliki.simulator.world import build_world

FACTOR, SEED = 0.5, 7


@pytest.fixture(scope="module")
def simulated(module_db, tmp_path_factory):
    """(warehouse URL, Airflow connections, extra environment) of a small simulated region."""
    world = build_world(Scale.from_name("region", region="43", factor=FACTOR), seed=SEED)
    registry_csv = tmp_path_factory.mktemp("registry") / "registry.csv"
    write_registry_csv(registry_csv, world)
    load_reference(module_db)
    import_registry(registry_csv, url=module_db)
    with start_in_thread(world, faults=Faults()) as sim:
        connections = {
            airflow_env.WAREHOUSE_CONN_ID: airflow_env.connection_json_from_url(module_db),
            **simulated_connections(sim.url_template, world_spec(seed=SEED, factor=FACTOR), resolve_budget=1000),
        }
        yield module_db, connections, {"GOSPUBLIKI_WAREHOUSE_URL": module_db}


@pytest.fixture(scope="module")
def metadata_db(server_url):
    """A metadata database of its own for this module's stack (the production name is
    gospubliki_airflow), created as the server's admin and dropped after."""
    name = f"gp_airflow_{uuid.uuid4().hex[:10]}"
    url = airflow_stack.ensure_metadata_db(name, server_url)
    yield url
    airflow_stack.drop_metadata_db(name, server_url)
