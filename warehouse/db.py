"""DuckDB plumbing, in one place: opening the warehouse, quoting names, reading rows.

Every module that touches a DuckDB file (the loader, the rules, isolation, publish, the
reports, the CLI and Dagster) opens and reads it through these helpers, so how the warehouse
is opened (read-only for readers, one waiting writer) and how a table's existence is checked
are decided here once.

* Opening: :func:`connect_writer` (read-write, waits for another writer's lock),
  :func:`connect_reader` (read-only), :func:`connect_for_reading` (read-only, or read-write
  when this process already holds a read-write connection to the file).
* Names: :func:`qident` quotes an identifier, :func:`qtable` a ``schema.table``; values are
  always ``?`` parameters or registered Arrow tables, never interpolated.
* Reading: :func:`execute` (drains the result), :func:`fetch_dicts`, :func:`fetch_scalar`,
  :func:`fetch_table` (column names and tuples), :func:`table_exists`, :func:`table_columns`;
  on a file opened read-only for one question: :func:`query_file`, :func:`file_has_table`.
* Writing: :func:`insert_arrow` (an Arrow table into an existing table, columns by name),
  :func:`registered` (an Arrow table visible to SQL for a ``with`` block).
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

import duckdb
import pyarrow as pa

#: the schema the loader, the rules and isolation write (dbt reads it as its sources)
RAW = "raw"


def qident(name: str) -> str:
    """Quote an SQL identifier (table or column name)."""
    return '"' + name.replace('"', '""') + '"'


def qtable(table: str, schema: str = RAW) -> str:
    """``"schema"."table"``, both quoted."""
    return f"{qident(schema)}.{qident(table)}"


# ---------------------------------------------------------------------------
# Opening a warehouse file
# ---------------------------------------------------------------------------
def connect_writer(path: Path, timeout_s: float = 60.0) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-write, waiting for another writer's lock to go away."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() > deadline:
                raise duckdb.IOException(
                    f"another process is writing the warehouse {path} (waited {timeout_s:.0f} s); "
                    f"run again when it has finished. DuckDB: {exc}") from exc
            time.sleep(0.5)


def connect_reader(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file read-only (never blocks nor is blocked by another reader)."""
    return duckdb.connect(str(path), read_only=True)


def connect_for_reading(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Read-only, or read-write when this process already holds a read-write connection to the
    file (DuckDB refuses a second configuration of the same file in one process)."""
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return duckdb.connect(str(path))


# ---------------------------------------------------------------------------
# Running statements and reading rows
# ---------------------------------------------------------------------------
def execute(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
    """Execute a statement and drain its result (DuckDB refuses new work while a result is pending)."""
    return con.execute(sql, params if params is not None else []).fetchall()


def fetch_table(con: duckdb.DuckDBPyConnection, sql: str,
                params: Sequence[Any] | None = None) -> tuple[list[str], list[tuple]]:
    """(column names, rows as tuples) of a query."""
    cur = con.execute(sql, params if params is not None else [])
    return [d[0] for d in cur.description], cur.fetchall()


def fetch_dicts(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
    """The rows of a query as dicts keyed by column name."""
    names, rows = fetch_table(con, sql, params)
    return [dict(zip(names, row)) for row in rows]


def fetch_scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> Any:
    """The first column of the first row (None when there is no row); the result is drained."""
    rows = execute(con, sql, params)
    return rows[0][0] if rows else None


def query_file(path: str | Path, sql: str, params: Sequence[Any] | None = None) -> tuple[list[str], list[tuple]]:
    """One query on a DuckDB file opened read-only for it: (column names, rows)."""
    with connect_reader(path) as con:
        return fetch_table(con, sql, params)


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether ``schema.table`` exists (a table or a view)."""
    return bool(fetch_scalar(
        con, "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, table]))


def file_has_table(path: str | Path, schema: str, table: str) -> bool:
    """Whether the DuckDB file ``path`` (opened read-only for it) has ``schema.table``."""
    with connect_reader(path) as con:
        return table_exists(con, schema, table)


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    """Column names of ``schema.table`` in their order; [] when it does not exist."""
    return [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position", [schema, table]).fetchall()]


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, data: pa.Table) -> Iterator[str]:
    """An Arrow table visible to SQL as the view ``name`` for the ``with`` block (values go
    into SQL this way, never interpolated)."""
    con.register(name, data)
    try:
        yield name
    finally:
        con.unregister(name)


def insert_arrow(con: duckdb.DuckDBPyConnection, table: str, data: pa.Table, schema: str = RAW) -> None:
    """INSERT the rows of an Arrow table into ``schema.table``, columns matched by name."""
    with registered(con, "_wh_rows", data):
        cols = ", ".join(qident(c) for c in data.column_names)
        execute(con, f"INSERT INTO {qtable(table, schema)} ({cols}) SELECT {cols} FROM _wh_rows")
