"""A DuckDB warehouse as comparable data: every base table, rows sorted, minus what records
when and how long (two loads of the same files differ there by design)."""
from __future__ import annotations

from pathlib import Path

# load_run: when and how long each load took; night_affected / night_state: what a night recomputed
# and the registry as the last complete night left it (warehouse/incremental.py) — they record how
# the warehouse was built, not what it holds, and differ between an incremental night and a full one
VOLATILE_TABLES = {"load_run", "night_affected", "night_state"}
VOLATILE_COLUMNS = {"extract_seconds", "manifest_hash", "invocation_id", "run_id", "seconds"}


def snapshot(path: Path) -> dict[str, list[str]]:
    from warehouse.db import connect_reader, qident, qtable

    out: dict[str, list[str]] = {}
    with connect_reader(path) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
        for schema, table in tables:
            if table in VOLATILE_TABLES:
                continue
            cols = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
            keep = [c for c, t in cols if not (t.startswith("TIMESTAMP") or c.endswith("_at") or c in VOLATILE_COLUMNS)]
            if not keep:
                continue
            select = ", ".join(qident(c) for c in keep)
            rows = con.execute(f"select {select} from {qtable(table, schema)}").fetchall()
            out[f"{schema}.{table}"] = sorted(repr(r) for r in rows)
    return out
