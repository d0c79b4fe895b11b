"""Superset's configuration for the gospubliki marts (read by Superset through SUPERSET_CONFIG_PATH).

Everything that differs between installations comes from the environment that
``bi/superset/launcher.py`` sets (docs/configuration.md): the secret key (generated once into the
project's secrets folder), the metadata database (SQLite under the project's git-ignored home:
one local user, a handful of dashboards — fine for a local tool; a shared server would point
``GOSPUBLIKI_SUPERSET_METADATA_URL`` at PostgreSQL).
"""

import os

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = os.environ["GOSPUBLIKI_SUPERSET_METADATA_URL"]

# Russian first: the dashboards and the marts' labels are Russian
BABEL_DEFAULT_LOCALE = "ru"
LANGUAGES = {"ru": {"flag": "ru", "name": "Russian"}, "en": {"flag": "us", "name": "English"}}

# a local tool on 127.0.0.1: no rate limiting, no HTTPS redirect, no telemetry, no example data
TALISMAN_ENABLED = False
RATELIMIT_ENABLED = False
SUPERSET_LOAD_EXAMPLES = False
SCARF_ANALYTICS = False
# the marts are rebuilt daily; a chart shows what the warehouse has now
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
# dashboards are imported with their database: the warehouse is the only one
PREVENT_UNSAFE_DB_CONNECTIONS = True
SQLLAB_TIMEOUT = 120  # the BI login's statement_timeout
SUPERSET_WEBSERVER_TIMEOUT = 120
