"""Read-only access for BI tools (Superset, Metabase, DataLens, plain SQL): the marts, nothing else.

Two roles (roles are cluster-wide, grants are per database)::

    gospubliki_bi          NOLOGIN group: USAGE on schemas marts and marts_config, SELECT on their
                           tables (now and, through default privileges, tables created later)
    gospubliki_bi_reader   LOGIN member of the group, the account BI tools connect with;
                           password from GOSPUBLIKI_BI_PASSWORD, sessions read-only by default

Nothing is granted on raw, registry, reference, audit, staging or intermediate (and anything
found there is revoked), nothing but SELECT anywhere. dbt replaces a table model by creating a
new table, which loses the old table's grants; two mechanisms keep BI working after any build:
the default privileges set here for the dbt user (``ALTER DEFAULT PRIVILEGES FOR ROLE <dbt user>
IN SCHEMA marts GRANT SELECT ON TABLES``) and the dbt ``on-run-end`` hook
``grant_select_to_bi_role`` (re-grants after every run, whoever ran it; a no-op without the role).

:func:`ensure` is idempotent: it creates or updates the roles, resets the password, re-applies the
grants. Run it once per warehouse database (and again after changing the password)::

    python -m gospubliki.warehouse.bi_role            # uses GOSPUBLIKI_WAREHOUSE_URL / the embedded one

The connecting user needs CREATEROLE (or superuser) and must own, or be a member of the owner of,
the marts schemas and tables (the dbt user normally is).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg2.extensions
from psycopg2 import sql

from gospubliki import settings
from gospubliki.warehouse import db

log = logging.getLogger(__name__)

GROUP_ROLE = "gospubliki_bi"
LOGIN_ROLE = "gospubliki_bi_reader"
PASSWORD_ENV = "GOSPUBLIKI_BI_PASSWORD"
#: for a local warehouse on 127.0.0.1 only; any shared server must set GOSPUBLIKI_BI_PASSWORD
DEFAULT_PASSWORD = "gospubliki_bi_local"
#: schemas BI may read: the marts and the methodology seeds (sector labels, thresholds, criteria)
READABLE_SCHEMAS = ("marts", "marts_config")
#: schemas BI must never see (revoked if anything was granted there by hand)
PRIVATE_SCHEMAS = ("raw", "registry", "reference", "audit", "staging", "intermediate", "dbt_test_audit")
#: concurrent BI sessions of the reader account
CONNECTION_LIMIT = 50


def bi_password() -> str:
    """The reader's password: ``GOSPUBLIKI_BI_PASSWORD`` or the local-only default."""
    return settings.env(PASSWORD_ENV, DEFAULT_PASSWORD)


def reader_url(url: str | None = None, password: str | None = None) -> str:
    """The warehouse URL with the BI reader's credentials (same host, port, database)."""
    parts = urlsplit(url or settings.warehouse_url())
    host = parts.hostname or "127.0.0.1"
    netloc = f"{quote(LOGIN_ROLE)}:{quote(password or bi_password(), safe='')}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass
class BiRoleReport:
    database: str
    dbt_user: str
    readable_schemas: list[str] = field(default_factory=list)  # that existed and were granted
    tables_readable: int = 0

    def describe(self) -> str:
        return (
            f"{LOGIN_ROLE} (member of {GROUP_ROLE}) can read {self.tables_readable} tables in "
            f"{', '.join(self.readable_schemas) or 'no schema yet'} of database {self.database}; "
            f"tables that {self.dbt_user} creates there later are readable too"
        )


def _create_role_if_missing(cur, role: str, options: str) -> None:
    # CREATE ROLE has no IF NOT EXISTS; two databases of one cluster may race (advisory locks are
    # per database), so a concurrent creation is tolerated as well
    cur.execute(
        sql.SQL(
            """do $$ begin
                 create role {} {};
               exception when duplicate_object or unique_violation then null;
               end $$"""
        ).format(sql.Identifier(role), sql.SQL(options))
    )


def ensure(
    url: str | None = None,
    *,
    password: str | None = None,
    dbt_user: str | None = None,
    schemas: Sequence[str] = READABLE_SCHEMAS,
) -> BiRoleReport:
    """Create or update the BI roles and their grants in the warehouse database at ``url``.

    ``dbt_user`` is the role that creates the marts (default: the connecting user); default
    privileges are set for it. ``password`` defaults to :func:`bi_password`. Missing readable
    schemas are created (owned by ``dbt_user``) so the default privileges apply from the first
    dbt build.
    """
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select current_database(), current_user")
        database, current_user = cur.fetchone()
        owner = dbt_user or current_user
        cur.execute("select pg_advisory_xact_lock(hashtext('gospubliki.bi_role'))")

        _create_role_if_missing(cur, GROUP_ROLE, "nologin")
        _create_role_if_missing(cur, LOGIN_ROLE, "login")
        cur.execute(
            sql.SQL(
                "alter role {} nologin nosuperuser nocreatedb nocreaterole noreplication nobypassrls"
            ).format(sql.Identifier(GROUP_ROLE))
        )
        # the password travels and is stored as a SCRAM verifier, never as plain text in a statement
        verifier = psycopg2.extensions.encrypt_password(
            password or bi_password(), LOGIN_ROLE, conn, "scram-sha-256"
        )
        cur.execute(
            sql.SQL(
                "alter role {} login inherit nosuperuser nocreatedb nocreaterole noreplication nobypassrls "
                "connection limit {} password {}"
            ).format(sql.Identifier(LOGIN_ROLE), sql.Literal(CONNECTION_LIMIT), sql.Literal(verifier))
        )
        cur.execute(sql.SQL("grant {} to {}").format(sql.Identifier(GROUP_ROLE), sql.Identifier(LOGIN_ROLE)))
        # belt and braces: a BI session cannot write even where PUBLIC may (temporary tables)
        cur.execute(
            sql.SQL("alter role {} set default_transaction_read_only = on").format(sql.Identifier(LOGIN_ROLE))
        )
        cur.execute(
            sql.SQL("grant connect on database {} to {}").format(
                sql.Identifier(database), sql.Identifier(GROUP_ROLE)
            )
        )

        report = BiRoleReport(database=database, dbt_user=owner)
        for schema in schemas:
            cur.execute(
                sql.SQL("create schema if not exists {} authorization {}").format(
                    sql.Identifier(schema), sql.Identifier(owner)
                )
            )
            cur.execute(
                sql.SQL("grant usage on schema {} to {}").format(
                    sql.Identifier(schema), sql.Identifier(GROUP_ROLE)
                )
            )
            cur.execute(
                sql.SQL("grant select on all tables in schema {} to {}").format(
                    sql.Identifier(schema), sql.Identifier(GROUP_ROLE)
                )
            )
            cur.execute(
                sql.SQL(
                    "alter default privileges for role {} in schema {} grant select on tables to {}"
                ).format(sql.Identifier(owner), sql.Identifier(schema), sql.Identifier(GROUP_ROLE))
            )
            report.readable_schemas.append(schema)

        cur.execute("select nspname from pg_namespace where nspname = any(%s)", (list(PRIVATE_SCHEMAS),))
        for (schema,) in cur.fetchall():
            for role in (GROUP_ROLE, LOGIN_ROLE):
                cur.execute(
                    sql.SQL(
                        "revoke all on all tables in schema {0} from {1}; revoke all on schema {0} from {1}"
                    ).format(sql.Identifier(schema), sql.Identifier(role))
                )

        cur.execute(
            """select count(*) from pg_tables
               where schemaname = any(%s)
                 and has_table_privilege(%s, format('%%I.%%I', schemaname, tablename), 'select')""",
            (list(report.readable_schemas), LOGIN_ROLE),
        )
        report.tables_readable = cur.fetchone()[0]
    log.info("BI role: %s", report.describe())
    return report


def main() -> None:  # pragma: no cover - a thin command around ensure()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    print(ensure().describe())
    if settings.env(PASSWORD_ENV) is None:
        print(f"password: the local default ({PASSWORD_ENV} is not set) — set it on any shared server")


if __name__ == "__main__":  # pragma: no cover
    main()
