"""Airflow-facing building blocks shared by the DAG files (defaults, the Cosmos dbt task group).

With ``hooks/`` and ``dags/`` this is the only place that imports Airflow; the rest of the package
is plain Python.
"""
