"""Airflow's metadata database (gospubliki.airflow_stack.ensure_metadata_db): its own role and
database on the warehouse server, created by the admin, which no other role may connect to."""

from __future__ import annotations

import uuid

import psycopg2
import pytest

from gospubliki import airflow_stack, settings


def test_only_the_metadata_role_connects_to_the_metadata_database(server_url):
    name = f"gp_airflow_{uuid.uuid4().hex[:10]}"
    url = airflow_stack.ensure_metadata_db(name, server_url)
    try:
        assert airflow_stack.ensure_metadata_db(name, server_url) == url  # idempotent
        with psycopg2.connect(airflow_stack.psycopg2_url(url)) as conn, conn.cursor() as cur:
            cur.execute("select current_user, (select pg_get_userbyid(datdba) from pg_database "
                        "where datname = current_database()), "
                        "(select rolsuper or rolcreaterole or rolcreatedb from pg_roles where rolname = current_user)")
            assert cur.fetchone() == (airflow_stack.METADATA_ROLE, airflow_stack.METADATA_ROLE, False)
            # PUBLIC has neither CONNECT nor TEMPORARY: no BI login, no pipeline role gets in
            cur.execute("select datacl::text from pg_database where datname = %s", (name,))
            acl = cur.fetchone()[0]
            assert not any(entry.startswith("=") for entry in acl.strip("{}").split(",")), acl
        pipeline = airflow_stack.psycopg2_url(url).replace(
            f"{airflow_stack.METADATA_ROLE}:{airflow_stack.quote(airflow_stack.metadata_password(), safe='')}",
            f"{settings.local_warehouse().user}:{settings.local_warehouse().password}")
        with pytest.raises(psycopg2.OperationalError, match="permission denied for database"):
            psycopg2.connect(pipeline).close()
    finally:
        airflow_stack.drop_metadata_db(name, server_url)
