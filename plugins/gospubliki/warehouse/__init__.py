"""The PostgreSQL warehouse: the embedded local server, connections, schema and loads."""
