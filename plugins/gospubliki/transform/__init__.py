"""Transformations: the dbt project (``dbt_project/``) and its in-process runner."""
