"""Reference data: federal subjects (census 2021) and municipalities, as CSV plus a loader."""
