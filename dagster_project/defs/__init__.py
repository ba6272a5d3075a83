"""Dagster definitions, one small module per concern (dagster-open-platform layout).

Nothing here parses the dbt manifest or touches the data folders at import time;
``dagster_project.definitions`` assembles everything.
"""
