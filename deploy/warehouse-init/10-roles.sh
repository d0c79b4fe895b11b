#!/bin/bash
# Roles of the compose warehouse (docs/security.md), run once by the postgres image on a new
# volume, as the superuser POSTGRES_USER. The same as the embedded warehouse does at start
# (plugins/gospubliki/warehouse/privileges.py):
#   gospubliki_owner  the pipeline's role (Airflow tasks, dbt, GX): owns database gospubliki,
#                     not a superuser, no CREATEDB/CREATEROLE, cannot run server programs
#   gospubliki_bi     NOLOGIN group of the BI logins (`gospubliki bi add-user NAME`)
# PUBLIC loses the large-object functions (in template1 too, so later databases inherit it) and
# CONNECT/TEMP on the maintenance databases; `gospubliki warehouse init` revokes CONNECT/TEMP on
# gospubliki from PUBLIC and grants the BI group what it may read.
set -euo pipefail

: "${WAREHOUSE_PASSWORD:?set WAREHOUSE_PASSWORD (password of the pipeline role) in .env}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v owner_password="$WAREHOUSE_PASSWORD" <<'SQL'
create role gospubliki_owner login inherit nosuperuser nocreatedb nocreaterole noreplication nobypassrls
    password :'owner_password';
create role gospubliki_bi nologin;
create database gospubliki owner gospubliki_owner;
revoke connect, temporary on database postgres, template1 from public;
SQL

for db in template1 postgres gospubliki; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$db" <<'SQL'
select format('revoke execute on function %s from public', p.oid::regprocedure)
from pg_proc p
where p.pronamespace = 'pg_catalog'::regnamespace
  and (p.proname like 'lo\_%' or p.proname in ('loread', 'lowrite'))
\gexec
revoke create on schema public from public;
SQL
done
