"""Who may do what in the warehouse (docs/security.md): the roles the embedded server creates, the
cluster-wide hardening a superuser applies, and the check of the pipeline role on an external
server.

Roles::

    <admin>              the embedded server's superuser (random password in GOSPUBLIKI_HOME/secrets);
                         used only to create roles and databases and to manage BI logins
    gospubliki_owner     LOGIN, not superuser, no CREATEDB/CREATEROLE: owns the project's database
                         and every schema and table in it; the pipeline (loads, GX, dbt, Airflow
                         tasks, CLI) runs as this role
    gospubliki_bi        NOLOGIN group of the BI logins (``warehouse.bi_role``)

PostgreSQL grants a few things to PUBLIC by default that a read-only login must not have:
``EXECUTE`` on the large-object functions (``lo_from_bytea`` … store any amount of data), and
``CONNECT``/``TEMP`` on every database. The superuser revokes the large-object functions in
``template1`` (so every database created later inherits it), ``postgres`` and the project's
database; the database owner revokes ``CONNECT``/``TEMP`` from PUBLIC on its own database
(``bi_role.grant``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import psycopg2.extensions
from psycopg2 import sql

from gospubliki.errors import UserError

log = logging.getLogger(__name__)

#: attributes of the pipeline's role: a plain login, nothing cluster-wide
OWNER_ATTRIBUTES = "login inherit nosuperuser nocreatedb nocreaterole noreplication nobypassrls"
#: the schemas the project creates (migrations, dbt); an existing one must belong to the pipeline role
PROJECT_SCHEMAS = (
    "raw", "registry", "reference", "audit", "staging", "intermediate", "marts", "marts_config",
    "dbt_test_audit",
)
#: large-object functions of pg_catalog that write or read server-side storage
LARGE_OBJECT_FUNCTIONS_SQL = """
    select p.oid::regprocedure::text from pg_proc p
    where p.pronamespace = 'pg_catalog'::regnamespace
      and (p.proname like 'lo\\_%' or p.proname in ('loread', 'lowrite'))
    order by 1"""


class InsufficientPrivileges(UserError):
    """The pipeline role lacks a privilege it needs (the message names it)."""


def with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + database))


def create_role_if_missing(cur, role: str, options: str) -> None:
    # CREATE ROLE has no IF NOT EXISTS; two sessions may race (advisory locks are per database)
    cur.execute(
        sql.SQL(
            """do $$ begin
                 create role {} {};
               exception when duplicate_object or unique_violation then null;
               end $$"""
        ).format(sql.Identifier(role), sql.SQL(options))
    )


def set_password(cur, role: str, password: str) -> None:
    """The password travels and is stored as a SCRAM verifier, never as plain text in a statement
    (so it is in no server log, no pg_stat_activity)."""
    verifier = psycopg2.extensions.encrypt_password(password, role, cur.connection, "scram-sha-256")
    cur.execute(sql.SQL("alter role {} password {}").format(sql.Identifier(role), sql.Literal(verifier)))


def ensure_owner_role(cur, owner: str, password: str) -> None:
    create_role_if_missing(cur, owner, "login")
    cur.execute(sql.SQL(f"alter role {{}} {OWNER_ATTRIBUTES}").format(sql.Identifier(owner)))
    set_password(cur, owner, password)


def revoke_large_objects(cur) -> int:
    """``REVOKE EXECUTE`` on the large-object functions from PUBLIC in the connected database
    (superuser). Returns how many functions."""
    cur.execute(LARGE_OBJECT_FUNCTIONS_SQL)
    functions = [r[0] for r in cur.fetchall()]
    for function in functions:
        cur.execute(f"revoke execute on function {function} from public")
    cur.execute("revoke create on schema public from public")
    return len(functions)


def take_ownership(cur, owner: str) -> int:
    """Give ``owner`` the connected database and every schema, table, view, sequence, function
    and type in it that the connecting superuser owns (a warehouse made before the owner role
    existed). ``REASSIGN OWNED`` cannot be used: it refuses objects of the bootstrap superuser.
    Returns how many objects changed owner."""
    cur.execute(
        sql.SQL("alter database {} owner to {}").format(sql.Identifier(_current_database(cur)), sql.Identifier(owner))
    )
    cur.execute(
        """select n.nspname from pg_namespace n
           where n.nspowner = (select oid from pg_roles where rolname = current_user)
             and n.nspname not like 'pg\\_%' and n.nspname not in ('information_schema', 'public')"""
    )
    schemas = [r[0] for r in cur.fetchall()]
    changed = 0
    for schema in schemas:
        cur.execute(sql.SQL("alter schema {} owner to {}").format(sql.Identifier(schema), sql.Identifier(owner)))
        changed += 1
    cur.execute(
        """select n.nspname, c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where c.relowner = (select oid from pg_roles where rolname = current_user)
             and n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema'
             and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
             -- a serial/identity sequence follows its table
             and not exists (select 1 from pg_depend d
                             where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype in ('a', 'i'))"""
    )
    kinds = {"r": "table", "p": "table", "v": "view", "m": "materialized view", "f": "foreign table", "S": "sequence"}
    for schema, name, kind in cur.fetchall():
        cur.execute(
            sql.SQL("alter {} {}.{} owner to {}").format(
                sql.SQL(kinds[kind]), sql.Identifier(schema), sql.Identifier(name), sql.Identifier(owner)
            )
        )
        changed += 1
    cur.execute(
        """select p.oid::regprocedure::text, p.prokind from pg_proc p join pg_namespace n on n.oid = p.pronamespace
           where p.proowner = (select oid from pg_roles where rolname = current_user)
             and n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema'"""
    )
    for signature, prokind in cur.fetchall():
        what = "procedure" if prokind == "p" else "aggregate" if prokind == "a" else "function"
        cur.execute(sql.SQL(f"alter {what} {signature} owner to {{}}").format(sql.Identifier(owner)))
        changed += 1
    cur.execute(
        """select n.nspname, t.typname from pg_type t join pg_namespace n on n.oid = t.typnamespace
           where t.typowner = (select oid from pg_roles where rolname = current_user)
             and t.typtype in ('e', 'd', 'c') and n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema'
             and (t.typrelid = 0 or (select relkind from pg_class where oid = t.typrelid) = 'c')"""
    )
    for schema, name in cur.fetchall():
        cur.execute(
            sql.SQL("alter type {}.{} owner to {}").format(sql.Identifier(schema), sql.Identifier(name), sql.Identifier(owner))
        )
        changed += 1
    return changed


def _current_database(cur) -> str:
    cur.execute("select current_database()")
    return cur.fetchone()[0]


def _admin(url: str):
    conn = psycopg2.connect(url, application_name="gospubliki-admin")
    conn.autocommit = True
    return conn


def provision(admin_url: str, owner: str, owner_password: str, database: str) -> None:
    """As the superuser at ``admin_url`` (idempotent, run at every start of the embedded server):
    the owner role with its current password, the project's database owned by it (objects of an
    older warehouse handed over), and the large-object functions revoked from PUBLIC."""
    conn = _admin(with_database(admin_url, "postgres"))
    try:
        with conn.cursor() as cur:
            ensure_owner_role(cur, owner, owner_password)
            cur.execute("select 1 from pg_database where datname = %s", (database,))
            if cur.fetchone() is None:
                cur.execute(sql.SQL("create database {} owner {}").format(sql.Identifier(database), sql.Identifier(owner)))
            # no login but the superuser needs the maintenance databases; on the project's, only
            # the owner and (bi_role.grant) the BI group may connect, only the owner create temp tables
            cur.execute("revoke connect, temporary on database postgres, template1 from public")
            cur.execute(
                sql.SQL("revoke connect, temporary on database {0} from public; "
                        "grant connect, temporary on database {0} to {1}").format(
                    sql.Identifier(database), sql.Identifier(owner)
                )
            )
            revoke_large_objects(cur)
    finally:
        conn.close()
    for db in ("template1", database):
        conn = _admin(with_database(admin_url, db))
        try:
            with conn.cursor() as cur:
                revoke_large_objects(cur)
                if db == database:
                    changed = take_ownership(cur, owner)
                    if changed:
                        log.info("warehouse: %d objects handed over to %s", changed, owner)
        finally:
            conn.close()


@dataclass
class PipelineRoleCheck:
    role: str
    database: str
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_pipeline_role(url: str) -> PipelineRoleCheck:
    """What the pipeline role at ``url`` lacks to run everything (docs/security.md): CREATE and
    TEMPORARY on its database, and ownership of the project's schemas that already exist. Being a
    superuser, or able to run server programs, is a warning: it works, but is more than needed."""
    with psycopg2.connect(url, application_name="gospubliki-check") as conn, conn.cursor() as cur:
        cur.execute(
            """select current_user, current_database(), r.rolsuper,
                      has_database_privilege(current_database(), 'CREATE'),
                      has_database_privilege(current_database(), 'TEMPORARY'),
                      pg_has_role('pg_execute_server_program', 'MEMBER'),
                      has_function_privilege('public', 'lo_from_bytea(oid, bytea)', 'EXECUTE')
               from pg_roles r where r.rolname = current_user"""
        )
        role, database, superuser, can_create, can_temp, server_program, public_lo = cur.fetchone()
        check = PipelineRoleCheck(role, database)
        if not can_create:
            check.missing.append(f"CREATE on database {database} (to create the project's schemas)")
        if not can_temp:
            check.missing.append(f"TEMPORARY on database {database} (dbt's incremental models use temporary tables)")
        cur.execute(
            """select n.nspname, pg_get_userbyid(n.nspowner) from pg_namespace n
               where n.nspname = any(%s) and not pg_has_role(n.nspowner, 'USAGE')
               order by 1""",
            (list(PROJECT_SCHEMAS),),
        )
        for schema, owner in cur.fetchall():
            check.missing.append(f"ownership of schema {schema} (owned by {owner})")
        if superuser:
            check.warnings.append(f"{role} is a superuser: use a non-superuser owner role (docs/security.md)")
        elif server_program:
            check.warnings.append(f"{role} may run server programs (pg_execute_server_program): revoke it")
        if public_lo:
            check.warnings.append(
                "large-object functions are executable by PUBLIC: a superuser should revoke them "
                "(gospubliki bi add-user does with GOSPUBLIKI_WAREHOUSE_ADMIN_URL; docs/security.md)"
            )
    return check


def require_pipeline_privileges(url: str) -> PipelineRoleCheck:
    """:func:`check_pipeline_role`, raising :class:`InsufficientPrivileges` naming what is missing."""
    check = check_pipeline_role(url)
    if check.missing:
        raise InsufficientPrivileges(
            f"the warehouse role {check.role} lacks: " + "; ".join(check.missing) + " (docs/security.md)"
        )
    return check
