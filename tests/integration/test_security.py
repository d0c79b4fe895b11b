"""Least privilege on the real warehouse (issue 8), each row of the issue's table re-tried over TCP
as psql would: the superuser's old known password, the pipeline's role, what a BI login can do to
other logins, to its own session defaults, with large objects and temporary tables; the BI CLI;
``warehouse init`` on a server where the pipeline role lacks privileges; a warehouse made with the
old password migrated at the next start."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import psycopg2.errors
import pytest
from localports import free_port

from gospubliki import settings
from gospubliki.warehouse import bi_role, privileges, server

pytestmark = pytest.mark.integration

DENIED = psycopg2.errors.InsufficientPrivilege
GOSPUBLIKI = str(Path(sys.executable).with_name("gospubliki"))


def connect(url: str, **kwargs):
    conn = psycopg2.connect(url, **kwargs)
    conn.autocommit = True
    return conn


def run(conn, statement: str, *args):
    with conn.cursor() as cur:
        cur.execute(statement, args)
        return cur.fetchall() if cur.description else None


def error_of(conn, statement: str, *args) -> type[Exception] | None:
    try:
        run(conn, statement, *args)
    except psycopg2.Error as exc:
        return type(exc)
    return None


# ---------------------------------------------------------------- the superuser and the pipeline role
def test_the_old_superuser_password_fails_and_the_pipeline_role_cannot_run_programs(server_url):
    cfg = settings.local_warehouse()
    # row 1: `psql -h 127.0.0.1 -p 54329 -U gospubliki` with password `gospubliki`
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed for user \"gospubliki\""):
        psycopg2.connect(host=cfg.host, port=cfg.port, user="gospubliki", password="gospubliki", dbname="gospubliki")
    # the generated passwords live in files only their owner may read
    folder = settings.secrets_dir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("warehouse_admin.password", "warehouse_owner.password"):
        path = folder / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
        assert len(path.read_text().strip()) >= 32
    # the pipeline runs as the database's owner, which is no superuser and cannot run programs
    pipeline = connect(settings.local_warehouse().url)
    try:
        (role, superuser, createrole, createdb, owner), = run(
            pipeline,
            """select r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb, pg_get_userbyid(d.datdba)
               from pg_roles r, pg_database d where r.rolname = current_user and d.datname = current_database()""",
        )
        assert (role, superuser, createrole, createdb, owner) == ("gospubliki_owner", False, False, False, "gospubliki_owner")
        assert error_of(pipeline, "copy (select 1) to program 'id'") is DENIED
        assert error_of(pipeline, "select lo_from_bytea(0, 'x')") is DENIED
        assert error_of(pipeline, "create role gp_intruder login") is DENIED
    finally:
        pipeline.close()
    # the admin URL is the superuser (used only to create roles and databases)
    admin = connect(server_url)
    try:
        assert run(admin, "select rolsuper from pg_roles where rolname = current_user") == [(True,)]
        # PUBLIC (grantee 0) has nothing on the databases and no large-object function
        assert run(
            admin,
            """select d.datname, a.privilege_type from pg_database d, aclexplode(d.datacl) a
               where a.grantee = 0 and d.datname in ('gospubliki', 'postgres', 'template1')""",
        ) == []
        assert run(
            admin,
            """select p.proname from pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
               where a.grantee = 0 and p.proname in ('lo_from_bytea', 'lo_create', 'lo_creat', 'lo_put', 'lowrite')""",
        ) == []
    finally:
        admin.close()


def test_every_test_database_is_owned_by_the_pipeline_role(fresh_db):
    conn = connect(fresh_db)
    try:
        assert run(conn, "select current_user, pg_get_userbyid(datdba) from pg_database where datname = current_database()") == [
            ("gospubliki_owner", "gospubliki_owner")
        ]
    finally:
        conn.close()


def test_a_warehouse_made_with_the_old_password_is_migrated_at_the_next_start(tmp_path, monkeypatch):
    """Re-creates what the old code left (superuser password `gospubliki`, no password file, the
    database and its tables owned by the superuser), then starts the server again."""
    monkeypatch.delenv("GOSPUBLIKI_WAREHOUSE_URL", raising=False)
    monkeypatch.setenv("GOSPUBLIKI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GOSPUBLIKI_PG_PORT", str(free_port()))
    try:
        server.start()
        cfg = settings.local_warehouse()
        admin = connect(cfg.admin_url)
        run(admin, "alter role gospubliki password 'gospubliki'")
        run(admin, "alter database gospubliki owner to gospubliki")
        run(admin, "create schema raw; create table raw.kept (id serial primary key, x int); insert into raw.kept (x) values (42)")
        run(admin, "create view raw.kept_view as select x from raw.kept")
        admin.close()
        server.stop()
        (settings.secrets_dir() / "warehouse_admin.password").unlink()

        server.start()
        with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
            psycopg2.connect(host=cfg.host, port=cfg.port, user="gospubliki", password="gospubliki", dbname="postgres")
        assert stat.S_IMODE((settings.secrets_dir() / "warehouse_admin.password").stat().st_mode) == 0o600
        connect(settings.local_warehouse().admin_url).close()  # the new generated password works
        pipeline = connect(settings.local_warehouse().url)
        try:
            owners = run(
                pipeline,
                """select 'database', pg_get_userbyid(datdba) from pg_database where datname = current_database()
                   union all select 'schema raw', pg_get_userbyid(nspowner) from pg_namespace where nspname = 'raw'
                   union all select c.relname::text, pg_get_userbyid(c.relowner) from pg_class c
                   where c.relnamespace = 'raw'::regnamespace and c.relkind in ('r', 'v', 'S') order by 1""",
            )
            print(f"\nowners after the migration: {owners}")
            assert owners == [
                ("database", "gospubliki_owner"),
                ("kept", "gospubliki_owner"),
                ("kept_id_seq", "gospubliki_owner"),
                ("kept_view", "gospubliki_owner"),
                ("schema raw", "gospubliki_owner"),
            ]
            run(pipeline, "insert into raw.kept (x) values (43)")
            assert run(pipeline, "select array_agg(x order by x) from raw.kept_view") == [([42, 43],)]
        finally:
            pipeline.close()
    finally:
        server.stop()


# ---------------------------------------------------------------- BI logins
@pytest.fixture
def bi_world(fresh_db):
    """Two BI logins on a fresh database with one mart table; removed afterwards (roles are
    cluster-wide)."""
    bi_role.ensure(fresh_db)
    owner = connect(fresh_db)
    run(owner, "create table marts.national_summary (network text, pages int); insert into marts.national_summary values ('vk', 3)")
    run(owner, "create schema raw; create table raw.secret_source (x int)")
    owner.close()
    suffix = uuid.uuid4().hex[:6]
    names = (f"bi_anna_{suffix}", f"bi_boris_{suffix}")
    passwords = {name: f"pw-{uuid.uuid4().hex}" for name in names}
    for name in names:
        bi_role.add_user(name, passwords[name], url=fresh_db)
    yield fresh_db, names, passwords
    for login in bi_role.list_users():
        if login.name in names:
            bi_role.remove_user(login.name)


def test_a_bi_login_changing_its_password_affects_only_itself_and_cannot_touch_another(bi_world):
    url, (anna, boris), passwords = bi_world
    conn = connect(bi_role.login_url(anna, passwords[anna], url))
    try:
        run(conn, "set default_transaction_read_only = off")  # a session default, as anyone may
        # row 2: `alter role gospubliki_bi_reader password 'x'` locked every BI user out
        assert error_of(conn, f"alter role {boris} password 'x'") is DENIED
        assert error_of(conn, f"alter role {anna} password 'anna-new-password'") is None  # PostgreSQL allows it
    finally:
        conn.close()
    connect(bi_role.login_url(anna, "anna-new-password", url)).close()
    connect(bi_role.login_url(boris, passwords[boris], url)).close()  # boris is not affected
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(bi_role.login_url(anna, passwords[anna], url))
    # the shared login is gone
    admin = connect(settings.admin_url())
    try:
        assert run(admin, "select count(*) from pg_roles where rolname = 'gospubliki_bi_reader'") == [(0,)]
    finally:
        admin.close()


def test_a_bi_login_is_read_only_by_privilege_not_by_a_session_default(bi_world):
    url, (anna, _), passwords = bi_world
    conn = connect(bi_role.login_url(anna, passwords[anna], url))
    try:
        assert run(conn, "select * from marts.national_summary") == [("vk", 3)]
        assert error_of(conn, "select * from raw.secret_source") is DENIED
        # row 3: the session default can be switched off (for the session, then for the role) …
        run(conn, "set default_transaction_read_only = off")
        assert error_of(conn, f"alter role {anna} set default_transaction_read_only = off") is None
        run(conn, "set session characteristics as transaction read write")
        assert run(conn, "show transaction_read_only") == [("off",)]
        # … and still nothing can be written or created: the privileges are the boundary
        for statement in (
            "insert into marts.national_summary values ('ok', 1)",
            "update marts.national_summary set pages = 0",
            "delete from marts.national_summary",
            "create table marts.scratch (a int)",
            "create table public.scratch (a int)",
            "create schema scratch",
            "create temp table scratch (a int)",
            "create temporary view scratch_v as select 1",
            "select lo_from_bytea(0, convert_to(repeat('x', 10 * 1024 * 1024), 'UTF8'))",
            "select lo_create(0)",
            "select lo_creat(-1)",
        ):
            assert error_of(conn, statement) is DENIED, statement
        assert run(conn, "select count(*) from pg_largeobject_metadata") == [(0,)]
        # per-login limits: statement and idle-in-transaction timeouts
        assert run(conn, "select current_setting('statement_timeout'), current_setting('idle_in_transaction_session_timeout')") == [
            ("2min", "1min")
        ]
    finally:
        conn.close()
    # no other database of the cluster lets it in (a temporary table or a large object there)
    for other in ("postgres", "template1"):
        with pytest.raises(psycopg2.OperationalError, match="permission denied for database"):
            psycopg2.connect(privileges.with_database(bi_role.login_url(anna, passwords[anna], url), other))


def test_a_bi_login_has_a_connection_limit(bi_world):
    url, (anna, _), passwords = bi_world
    login = next(u for u in bi_role.list_users() if u.name == anna)
    assert login.connection_limit == bi_role.CONNECTION_LIMIT == 5
    assert {"statement_timeout=120s", "idle_in_transaction_session_timeout=60s"} <= set(login.settings)
    conns = [connect(bi_role.login_url(anna, passwords[anna], url)) for _ in range(5)]
    try:
        with pytest.raises(psycopg2.OperationalError, match=f'too many connections for role "{anna}"'):
            psycopg2.connect(bi_role.login_url(anna, passwords[anna], url))
    finally:
        for c in conns:
            c.close()


# ---------------------------------------------------------------- the BI CLI
def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run([GOSPUBLIKI, "bi", *args], capture_output=True, text=True, env=full_env, timeout=120)


def last_line(out: subprocess.CompletedProcess) -> str:
    """A user error: one line on stderr (after any log lines), exit code 2 (gospubliki.cli_errors)."""
    return out.stderr.strip().splitlines()[-1]


def test_the_bi_cli_adds_lists_rotates_and_removes_logins(fresh_db):
    name = f"bi_cli_{uuid.uuid4().hex[:6]}"
    given = f"given-{uuid.uuid4().hex}"
    added = cli("add-user", name, env={"GOSPUBLIKI_BI_PASSWORD": given})
    assert added.returncode == 0, added.stderr
    assert given not in added.stdout and "from GOSPUBLIKI_BI_PASSWORD" in added.stdout
    connect(bi_role.login_url(name, given, fresh_db)).close()

    listed = cli("list")
    assert re.search(rf"^{name}\s+connection limit 5\s+sessions now 0$", listed.stdout, re.M), listed.stdout

    again = cli("add-user", name)
    assert again.returncode == 2 and last_line(again) == f"error: BI login {name} exists already (gospubliki bi rotate-password {name})"

    rotated = cli("rotate-password", name, env={"GOSPUBLIKI_BI_PASSWORD": ""})
    assert rotated.returncode == 0, rotated.stderr
    new = re.search(r"\(shown once, keep it in the BI tool\): (\S+)$", rotated.stdout, re.M).group(1)
    connect(bi_role.login_url(name, new, fresh_db)).close()
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(bi_role.login_url(name, given, fresh_db))

    removed = cli("remove-user", name)
    assert removed.returncode == 0 and f"BI login {name} removed" in removed.stdout
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(bi_role.login_url(name, new, fresh_db))

    for args, message in (
        (("remove-user", name), f"no BI login {name} (gospubliki bi list shows them)"),
        (("remove-user", "gospubliki_owner"), "no BI login gospubliki_owner (gospubliki bi list shows them)"),
        (("rotate-password", "gospubliki"), "no BI login gospubliki (gospubliki bi list shows them)"),
    ):
        out = cli(*args)
        assert (out.returncode, last_line(out), "Traceback" in out.stderr) == (2, f"error: {message}", False), args
    bad = cli("add-user", "Robert'); drop table x;--")
    assert bad.returncode == 2 and last_line(bad).startswith("error: bad login name")


# ---------------------------------------------------------------- an external server
def test_warehouse_init_names_the_privilege_the_pipeline_role_lacks(server_url, monkeypatch):
    suffix = uuid.uuid4().hex[:6]
    role, database, password = f"gp_weak_{suffix}", f"gp_weak_{suffix}", uuid.uuid4().hex
    admin = connect(privileges.with_database(server_url, "postgres"))
    try:
        run(admin, f"create role {role} login password '{password}'")
        run(admin, f"create database {database}")  # owned by the admin: the role may only connect
        run(admin, f"grant connect on database {database} to {role}")
        run(admin, f"revoke temporary on database {database} from public")
        parts = urlsplit(server_url)
        url = f"postgresql://{role}:{password}@{parts.hostname}:{parts.port}/{database}"
        env = {**os.environ, "GOSPUBLIKI_WAREHOUSE_URL": url, "COLUMNS": "300"}
        env.pop("GOSPUBLIKI_WAREHOUSE_ADMIN_URL", None)
        out = subprocess.run([GOSPUBLIKI, "warehouse", "init"], capture_output=True, text=True, env=env, timeout=120)
        print(f"\n{out.stdout.strip()}")
        assert out.returncode == 2 and "Traceback" not in out.stderr
        assert last_line(out) == (
            f"error: the warehouse role {role} lacks: CREATE on database {database} (to create the project's schemas); "
            f"TEMPORARY on database {database} (dbt's incremental models use temporary tables) (docs/security.md)"
        )
    finally:
        run(admin, f"drop database if exists {database} with (force)")
        run(admin, f"drop role if exists {role}")
        admin.close()


def test_rotating_the_passwords_replaces_both_files_and_the_old_ones_stop_working(tmp_path, monkeypatch):
    monkeypatch.delenv("GOSPUBLIKI_WAREHOUSE_URL", raising=False)
    monkeypatch.setenv("GOSPUBLIKI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GOSPUBLIKI_PG_PORT", str(free_port()))
    try:
        server.start()
        old = settings.local_warehouse()
        old_urls = (old.admin_url, old.url)
        out = subprocess.run(
            [sys.executable, "-m", "gospubliki.warehouse.server", "rotate-passwords"],
            capture_output=True, text=True, env=os.environ.copy(), timeout=120,
        )
        assert out.returncode == 0, out.stderr
        new = settings.local_warehouse()
        assert (new.admin_url, new.url) != old_urls
        for url in old_urls:
            with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
                psycopg2.connect(url)
        connect(new.admin_url).close()
        connect(new.url).close()
        for name in ("warehouse_admin.password", "warehouse_owner.password"):
            assert stat.S_IMODE((settings.secrets_dir() / name).stat().st_mode) == 0o600
    finally:
        server.stop()
