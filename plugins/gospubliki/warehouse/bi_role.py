"""Read-only access for BI tools (Superset, Metabase, DataLens, plain SQL): the marts, nothing else.

One login per BI user or tool, all members of one group (roles are cluster-wide, grants are per
database)::

    gospubliki_bi    NOLOGIN group: CONNECT on the project's database, USAGE on schemas marts and
                     marts_config, SELECT on their tables (now and, through default privileges,
                     tables created later); nothing else
    <name>           LOGIN member of the group (``gospubliki bi add-user NAME``): its own password,
                     a connection limit, statement and idle-in-transaction timeouts

Read-only **by privileges**, not by a session default a login could switch off: no CREATE on any
schema or database, no TEMP (revoked from PUBLIC on the project's database), no large-object
functions (revoked from PUBLIC by the superuser, ``warehouse.privileges``), nothing on raw,
registry, reference, audit, staging or intermediate. A login changing its own password
(``ALTER ROLE … PASSWORD``, allowed to any role) changes only its own.

dbt replaces a table model by creating a new table, which loses the old table's grants; two
mechanisms keep BI working after any build: the default privileges set here for the pipeline's role
and the dbt ``on-run-end`` hook ``grant_select_to_bi_role``.

The former shared login ``gospubliki_bi_reader`` (one password for everybody, known by default) is
dropped by :func:`ensure`; each BI user gets a login of their own (docs/security.md).

Roles are created by the admin connection (``settings.admin_url()``: the embedded server's
superuser, or ``GOSPUBLIKI_WAREHOUSE_ADMIN_URL``); the per-database grants by the pipeline's role,
which owns the marts.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg2
import psycopg2.errors
from psycopg2 import sql

from gospubliki import settings
from gospubliki.errors import UserError
from gospubliki.warehouse import db, privileges

log = logging.getLogger(__name__)

GROUP_ROLE = "gospubliki_bi"
#: the former shared login, dropped by ensure()
LEGACY_LOGIN = "gospubliki_bi_reader"
PASSWORD_ENV = "GOSPUBLIKI_BI_PASSWORD"
#: schemas BI may read: the marts and the methodology seeds (sector labels, thresholds, criteria)
READABLE_SCHEMAS = ("marts", "marts_config")
#: schemas BI must never see (revoked if anything was granted there by hand)
PRIVATE_SCHEMAS = ("raw", "registry", "reference", "audit", "staging", "intermediate", "dbt_test_audit")
#: per login: concurrent sessions, longest statement, longest idle transaction
CONNECTION_LIMIT = 5
STATEMENT_TIMEOUT = "120s"
IDLE_IN_TRANSACTION_TIMEOUT = "60s"
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{1,39}")


class BiUserError(UserError, ValueError):
    """A BI login request that cannot be done (bad name, unknown login …): one clear line."""


def login_url(name: str, password: str, url: str | None = None) -> str:
    """The warehouse URL with a BI login's credentials (same host, port, database)."""
    parts = urlsplit(url or settings.warehouse_url())
    netloc = f"{quote(name)}:{quote(password, safe='')}@{parts.hostname or '127.0.0.1'}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def _admin_url_for(url: str, admin_url: str | None) -> str:
    """The admin connection, to the same database as ``url``."""
    database = urlsplit(url).path.lstrip("/")
    return privileges.with_database(admin_url or settings.admin_url(), database)


@dataclass
class BiRoleReport:
    database: str
    owner: str
    readable_schemas: list[str] = field(default_factory=list)  # that existed and were granted
    tables_readable: int = 0  # tables and views

    def describe(self) -> str:
        return (
            f"{GROUP_ROLE} can read {self.tables_readable} tables and views in "
            f"{', '.join(self.readable_schemas) or 'no schema yet'} of database {self.database}; "
            f"those that {self.owner} creates there later are readable too"
        )


def ensure_group(admin_url: str) -> None:
    """As the admin (connected to the project's database): the group role, the legacy shared
    login dropped, and the large-object functions revoked from PUBLIC (when a superuser)."""
    conn = psycopg2.connect(admin_url, application_name="gospubliki-admin")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("select rolsuper, rolcreaterole from pg_roles where rolname = current_user")
            superuser, createrole = cur.fetchone()
            cur.execute("select 1 from pg_roles where rolname = %s", (GROUP_ROLE,))
            exists = cur.fetchone() is not None
            if not (superuser or createrole):
                if not exists:
                    raise privileges.InsufficientPrivileges(
                        f"the BI group role {GROUP_ROLE} does not exist and {admin_url_role(admin_url)} may not "
                        "create roles: set GOSPUBLIKI_WAREHOUSE_ADMIN_URL (docs/security.md)"
                    )
                return
            if not exists:
                privileges.create_role_if_missing(cur, GROUP_ROLE, "nologin")
            cur.execute(
                sql.SQL(
                    "alter role {} nologin nosuperuser nocreatedb nocreaterole noreplication nobypassrls"
                ).format(sql.Identifier(GROUP_ROLE))
            )
            _drop_legacy_login(cur)
            if superuser:
                privileges.revoke_large_objects(cur)
    finally:
        conn.close()


def admin_url_role(url: str) -> str:
    return urlsplit(url).username or "the connecting role"


def _drop_legacy_login(cur) -> None:
    cur.execute("select 1 from pg_roles where rolname = %s", (LEGACY_LOGIN,))
    if cur.fetchone() is None:
        return
    try:
        cur.execute(sql.SQL("drop role {}").format(sql.Identifier(LEGACY_LOGIN)))
        log.warning("BI: the shared login %s was dropped; add one login per user: gospubliki bi add-user", LEGACY_LOGIN)
    except psycopg2.errors.DependentObjectsStillExist:
        # granted something in another database: at least it can no longer log in
        cur.execute(sql.SQL("alter role {} nologin").format(sql.Identifier(LEGACY_LOGIN)))
        log.warning("BI: the shared login %s can no longer log in (still granted rights elsewhere)", LEGACY_LOGIN)


def grant(url: str | None = None, *, owner: str | None = None, schemas: Sequence[str] = READABLE_SCHEMAS) -> BiRoleReport:
    """As the pipeline's role (owner of the database and the marts): what the group may read, and
    no CONNECT/TEMP for PUBLIC on this database. ``owner`` (default: the connecting user) is the
    role that creates the marts; default privileges are set for it. Missing readable schemas are
    created (owned by it) so the default privileges apply from the first dbt build."""
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select current_database(), current_user")
        database, current_user = cur.fetchone()
        owner = owner or current_user
        cur.execute("select pg_advisory_xact_lock(hashtext('gospubliki.bi_role'))")
        ident = sql.Identifier
        cur.execute(sql.SQL("revoke connect, temporary on database {} from public").format(ident(database)))
        cur.execute(sql.SQL("grant connect, temporary on database {} to {}").format(ident(database), ident(owner)))
        cur.execute(sql.SQL("grant connect on database {} to {}").format(ident(database), ident(GROUP_ROLE)))

        report = BiRoleReport(database=database, owner=owner)
        for schema in schemas:
            cur.execute(sql.SQL("create schema if not exists {} authorization {}").format(ident(schema), ident(owner)))
            cur.execute(sql.SQL("grant usage on schema {} to {}").format(ident(schema), ident(GROUP_ROLE)))
            cur.execute(sql.SQL("grant select on all tables in schema {} to {}").format(ident(schema), ident(GROUP_ROLE)))
            cur.execute(
                sql.SQL("alter default privileges for role {} in schema {} grant select on tables to {}").format(
                    ident(owner), ident(schema), ident(GROUP_ROLE)
                )
            )
            report.readable_schemas.append(schema)

        cur.execute("select nspname from pg_namespace where nspname = any(%s)", (list(PRIVATE_SCHEMAS),))
        for (schema,) in cur.fetchall():
            cur.execute(
                sql.SQL("revoke all on all tables in schema {0} from {1}; revoke all on schema {0} from {1}").format(
                    ident(schema), ident(GROUP_ROLE)
                )
            )
        cur.execute(
            # tables and views (marts.page_compliance is a view)
            """select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
               where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm')
                 and has_table_privilege(%s, c.oid, 'select')""",
            (list(report.readable_schemas), GROUP_ROLE),
        )
        report.tables_readable = cur.fetchone()[0]
    log.info("BI role: %s", report.describe())
    return report


def ensure(url: str | None = None, *, admin_url: str | None = None, owner: str | None = None,
           schemas: Sequence[str] = READABLE_SCHEMAS) -> BiRoleReport:
    """The group role (admin) and its grants in the database at ``url`` (pipeline role); idempotent."""
    url = url or settings.warehouse_url()
    ensure_group(_admin_url_for(url, admin_url))
    return grant(url, owner=owner, schemas=schemas)


# ---------------------------------------------------------------- logins
@dataclass(frozen=True)
class BiLogin:
    name: str
    connection_limit: int
    sessions: int
    settings: tuple[str, ...]


def _check_name(name: str) -> None:
    if not NAME_PATTERN.fullmatch(name) or name.startswith("pg_") or name.startswith("gospubliki"):
        raise BiUserError(
            f"bad login name {name!r}: 2–40 lowercase Latin letters, digits or _, starting with a letter "
            "(not pg_… or gospubliki…)"
        )


def _is_bi_login(cur, name: str) -> bool | None:
    """True: a BI login; False: some other role; None: no such role."""
    cur.execute(
        """select r.rolcanlogin and not r.rolsuper and pg_has_role(r.oid, %s, 'MEMBER')
           from pg_roles r where r.rolname = %s""",
        (GROUP_ROLE, name),
    )
    row = cur.fetchone()
    return None if row is None else bool(row[0])


def _admin_connection(admin_url: str | None):
    conn = psycopg2.connect(admin_url or settings.admin_url(), application_name="gospubliki-admin")
    conn.autocommit = True
    return conn


def new_password() -> tuple[str, bool]:
    """``GOSPUBLIKI_BI_PASSWORD`` when set (False), else a generated one (True: show it once)."""
    given = settings.env(PASSWORD_ENV)
    return (given, False) if given else (secrets.token_urlsafe(18), True)


def add_user(
    name: str, password: str, *, url: str | None = None, admin_url: str | None = None,
    connection_limit: int = CONNECTION_LIMIT,
) -> BiLogin:
    """Create the BI login ``name`` (the group and its grants too, when missing). A tool that
    serves many people through one login (Superset) may get a higher ``connection_limit``."""
    _check_name(name)
    ensure(url, admin_url=admin_url)
    conn = _admin_connection(_admin_url_for(url or settings.warehouse_url(), admin_url))
    try:
        with conn.cursor() as cur:
            state = _is_bi_login(cur, name)
            if state is True:
                raise BiUserError(f"BI login {name} exists already (gospubliki bi rotate-password {name})")
            if state is False:
                raise BiUserError(f"role {name} exists and is not a BI login; choose another name")
            ident = sql.Identifier(name)
            cur.execute(
                sql.SQL(
                    "create role {} login inherit nosuperuser nocreatedb nocreaterole noreplication nobypassrls "
                    "connection limit {} in role {}"
                ).format(ident, sql.Literal(connection_limit), sql.Identifier(GROUP_ROLE))
            )
            privileges.set_password(cur, name, password)
            for setting, value in (
                ("statement_timeout", STATEMENT_TIMEOUT),
                ("idle_in_transaction_session_timeout", IDLE_IN_TRANSACTION_TIMEOUT),
                ("default_transaction_read_only", "on"),  # a convenience; the privileges are the boundary
            ):
                cur.execute(sql.SQL("alter role {} set {} = {}").format(ident, sql.Identifier(setting), sql.Literal(value)))
        return next(u for u in list_users(admin_url=admin_url, _conn=conn) if u.name == name)
    finally:
        conn.close()


def set_connection_limit(name: str, limit: int, *, admin_url: str | None = None) -> None:
    """The BI login ``name`` may hold ``limit`` sessions at once."""
    conn = _admin_connection(admin_url)
    try:
        with conn.cursor() as cur:
            if _is_bi_login(cur, name) is not True:
                raise BiUserError(f"no BI login {name}")
            cur.execute(sql.SQL("alter role {} connection limit {}").format(sql.Identifier(name), sql.Literal(limit)))
    finally:
        conn.close()


def list_users(*, admin_url: str | None = None, _conn=None) -> list[BiLogin]:
    conn = _conn or _admin_connection(admin_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                """select r.rolname, r.rolconnlimit,
                          (select count(*) from pg_stat_activity a where a.usename = r.rolname),
                          coalesce(r.rolconfig, '{}')
                   from pg_roles r
                   where r.rolcanlogin and not r.rolsuper and pg_has_role(r.oid, %s, 'MEMBER')
                   order by r.rolname""",
                (GROUP_ROLE,),
            )
            return [BiLogin(n, limit, sessions, tuple(cfg)) for n, limit, sessions, cfg in cur.fetchall()]
    finally:
        if _conn is None:
            conn.close()


def _require_login(cur, name: str) -> None:
    if _is_bi_login(cur, name) is not True:
        raise BiUserError(f"no BI login {name} (gospubliki bi list shows them)")


def remove_user(name: str, *, admin_url: str | None = None) -> int:
    """Drop the BI login ``name`` and end its open sessions; returns how many were ended."""
    conn = _admin_connection(admin_url)
    try:
        with conn.cursor() as cur:
            _require_login(cur, name)
            cur.execute(sql.SQL("alter role {} nologin").format(sql.Identifier(name)))
            cur.execute("select count(pg_terminate_backend(pid)) from pg_stat_activity where usename = %s", (name,))
            ended = cur.fetchone()[0]
            cur.execute(sql.SQL("drop role {}").format(sql.Identifier(name)))
        return ended
    finally:
        conn.close()


def rotate_password(name: str, password: str, *, admin_url: str | None = None) -> None:
    conn = _admin_connection(admin_url)
    try:
        with conn.cursor() as cur:
            _require_login(cur, name)
            privileges.set_password(cur, name, password)
    finally:
        conn.close()
