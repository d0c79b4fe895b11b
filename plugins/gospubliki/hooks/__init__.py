"""Thin Airflow hooks: an Airflow Connection -> a pure-Python client (the only Airflow code here)."""
