"""The DDL of every table written into schema ``raw``, and the one way to create / evolve it.

Two kinds of table:

* record tables (``raw.document``, ``raw.table_cell``, …): their columns are the Arrow schemas
  of :data:`extract.records.SCHEMAS`, the contract between extraction and the warehouse;
* bookkeeping tables (:data:`BOOKKEEPING_DDL`): the loader's registry and load state, the
  landing scan's refused files, the documents isolation holds back and the rules' results.

Whoever writes one of these tables — ``warehouse.load`` (all of them), ``warehouse.isolation``
(``document_hold``), ``expectations.rules.store`` (``dq_result`` / ``dq_finding``) and
``warehouse.incremental`` (``night_state`` / ``night_affected``),
``expectations.truth_records`` (record tables of ground truth) — creates it with
:func:`ensure_tables` / :func:`ensure_schema`: created when missing, columns a newer
definition introduced added (additive evolution, never a drop).
"""
from __future__ import annotations

from typing import Iterable, Sequence

import duckdb
import pyarrow as pa

from extract import records
from warehouse.db import RAW, execute, qident, qtable, registered

#: record tables, one per Arrow schema of extract/records.py
RECORD_TABLES: tuple[str, ...] = tuple(records.SCHEMAS)

REGISTRY_COLUMNS: list[tuple[str, str]] = [
    ("document_id", "VARCHAR"),  # sha256 of the bytes
    ("disclosure_id", "VARCHAR"),  # md5(canonical department|year|kind|scope); parts share it
    ("file_name", "VARCHAR"),  # first name the bytes were seen under
    ("file_path", "VARCHAR"),  # first path (relative to the landing folder)
    ("file_paths", "VARCHAR[]"),  # every path seen, sorted
    ("department_name", "VARCHAR"),  # as identified from the content
    ("department_canonical", "VARCHAR"),  # after the alias seed
    ("fiscal_year", "INTEGER"),
    ("doc_kind", "VARCHAR"),
    ("scope", "VARCHAR"),  # as identified, else as the alias seed implies
    ("part", "VARCHAR"),
    ("is_template", "BOOLEAN"),
    ("extraction_status", "VARCHAR"),  # extracted | quarantined (from the manifest)
    ("error_code", "VARCHAR"),
    ("status", "VARCHAR"),  # loaded | quarantined | superseded
    ("reason", "VARCHAR"),  # why quarantined / superseded
    ("superseded_by", "VARCHAR"),  # document_id of the document that replaced it
    ("is_current_tables", "BOOLEAN"),  # its table records feed the marts
    ("is_current_narrative", "BOOLEAN"),  # its narrative figures feed the marts
    ("manifest_hash", "VARCHAR"),
    ("first_seen_at", "TIMESTAMP"),  # UTC
    ("last_seen_at", "TIMESTAMP"),  # UTC, last load that found its manifest
    ("loaded_at", "TIMESTAMP"),  # UTC, last time its rows were (re)loaded
    ("parent_department", "VARCHAR"),  # 主管部门 of an own / unit document (canonical)
    ("identity_confidence", "DOUBLE"),  # as extraction scored it (NULL: an extraction before scores)
    ("review_items", "VARCHAR"),  # JSON list {field, code, message}: extraction's doubts + the loader's
    ("needs_review", "BOOLEAN"),  # review_items is not empty: the operator must confirm who published it
]

# Written by expectations.rules.run_all; created empty by every load so that dbt's sources
# exist before the rules have ever run.
DQ_RESULT_COLUMNS: list[tuple[str, str]] = [
    ("document_id", "VARCHAR"),
    ("rule_id", "VARCHAR"),
    ("rule_title", "VARCHAR"),
    ("severity", "VARCHAR"),
    ("category", "VARCHAR"),
    ("status", "VARCHAR"),  # pass | fail | not_applicable | insufficient_data
    ("detail", "VARCHAR"),
]
DQ_FINDING_COLUMNS: list[tuple[str, str]] = [
    ("finding_id", "VARCHAR"),
    ("document_id", "VARCHAR"),
    ("rule_id", "VARCHAR"),
    ("severity", "VARCHAR"),
    ("category", "VARCHAR"),
    ("table_name", "VARCHAR"),
    ("page", "INTEGER"),
    ("row_key", "VARCHAR"),
    ("measure", "VARCHAR"),
    ("expected", "DECIMAL(24,6)"),
    ("printed", "DECIMAL(24,6)"),
    ("difference", "DECIMAL(24,6)"),
    ("tolerance", "DECIMAL(24,6)"),
    ("message", "VARCHAR"),
]

BOOKKEEPING_DDL: dict[str, list[tuple[str, str]]] = {
    "document_registry": REGISTRY_COLUMNS,
    "document_file": [
        ("document_id", "VARCHAR"),
        ("file_path", "VARCHAR"),
        ("file_name", "VARCHAR"),
        ("first_seen_at", "TIMESTAMP"),
        ("last_seen_at", "TIMESTAMP"),
    ],
    "load_state": [
        ("document_id", "VARCHAR"),
        ("manifest_hash", "VARCHAR"),
        ("loaded_at", "TIMESTAMP"),
    ],
    "load_run": [
        ("run_id", "VARCHAR"),
        ("started_at", "TIMESTAMP"),
        ("finished_at", "TIMESTAMP"),
        ("documents_seen", "INTEGER"),
        ("documents_loaded", "INTEGER"),
        ("documents_unchanged", "INTEGER"),
        ("counts", "JSON"),
    ],
    # Documents held back tonight because a dbt data test failed on their rows (written by
    # warehouse/isolation.py between dbt passes; emptied when a dbt step starts).
    "document_hold": [
        ("document_id", "VARCHAR"),
        ("test_name", "VARCHAR"),  # the dbt data test
        ("test_id", "VARCHAR"),  # its unique_id in the dbt manifest
        ("model", "VARCHAR"),  # the model it tests
        ("failing_rows", "BIGINT"),  # rows of this document the test returned
        ("message", "VARCHAR"),  # Chinese: what failed and what to do
        ("held_at", "TIMESTAMP"),  # UTC
    ],
    # Files of the landing folder that were not read at all (symlink out of the folder, broken
    # link, unreadable), rewritten by every load from the landing scan (record_refused_files).
    "refused_file": [
        ("file_path", "VARCHAR"),  # relative to the landing folder
        ("file_name", "VARCHAR"),
        ("error_code", "VARCHAR"),  # symlink_outside | broken_link | unreadable
        ("reason", "VARCHAR"),  # Chinese: why and what to do
        ("first_seen_at", "TIMESTAMP"),  # UTC
        ("last_seen_at", "TIMESTAMP"),  # UTC
    ],
    "dq_result": DQ_RESULT_COLUMNS,
    "dq_finding": DQ_FINDING_COLUMNS,
    # The night plan (warehouse/incremental.py): every document's registry state as of the last
    # complete night (plus the code fingerprint, document_id '__code__'), and tonight's affected
    # documents, which the incremental dbt models read.
    "night_state": [
        ("document_id", "VARCHAR"),
        ("fingerprint", "VARCHAR"),  # md5 of the registry row without its times
        ("department", "VARCHAR"),  # canonical department
        ("top_department", "VARCHAR"),  # the 主管部门 of an own / unit document, else the department
    ],
    "night_affected": [
        ("document_id", "VARCHAR"),
        ("is_full", "BOOLEAN"),  # tonight recomputes every document
    ],
}


def arrow_columns(con: duckdb.DuckDBPyConnection, schema: pa.Schema) -> list[tuple[str, str]]:
    """DuckDB column types for an Arrow schema (DECIMAL(24,6) stays DECIMAL)."""
    with registered(con, "_wh_empty", schema.empty_table()):
        return [(r[0], r[1]) for r in con.execute("DESCRIBE SELECT * FROM _wh_empty").fetchall()]


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """The defined columns (name, DuckDB type) of a ``raw`` table: a record or a bookkeeping table."""
    if table in records.SCHEMAS:
        return arrow_columns(con, records.SCHEMAS[table])
    return BOOKKEEPING_DDL[table]


def ensure_table(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[tuple[str, str]],
                 existing: set[str]) -> None:
    """Create ``raw.table`` (``existing`` empty) or add the columns it lacks (``existing``: its columns)."""
    if not existing:
        cols = ", ".join(f"{qident(c)} {t}" for c, t in columns)
        execute(con, f"CREATE TABLE IF NOT EXISTS {qtable(table)} ({cols})")
        return
    for c, t in columns:  # additive schema evolution
        if c not in existing:
            execute(con, f"ALTER TABLE {qtable(table)} ADD COLUMN {qident(c)} {t}")


def ensure_tables(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> None:
    """Create schema ``raw`` and these tables of it if missing; add the columns a newer definition
    (records.py or :data:`BOOKKEEPING_DDL`) introduced."""
    execute(con, f"CREATE SCHEMA IF NOT EXISTS {qident(RAW)}")
    existing: dict[str, set[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = ?", [RAW]
    ).fetchall():
        existing.setdefault(table, set()).add(column)
    for name in tables:
        cols = columns_of(con, name)
        if {c for c, _ in cols} - existing.get(name, set()):
            ensure_table(con, name, cols, existing.get(name, set()))


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Every table of ``raw``: the record tables and the bookkeeping tables."""
    ensure_tables(con, [*RECORD_TABLES, *BOOKKEEPING_DDL])
