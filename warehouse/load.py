"""Single-writer loader: ``data/extracted/<document_id>/`` → DuckDB schema ``raw``.

``load_extracted(settings)`` is the only code that writes extracted records into
the warehouse file.  For every document directory it reads ``manifest.json``
and the Parquet files named after :data:`extract.records.SCHEMAS`, and

* replaces exactly that document's rows in ``raw.<record>`` (``DELETE`` by
  ``document_id`` then ``INSERT … FROM read_parquet``), all documents of a load
  in ONE transaction, so a crash leaves the previous state;
* skips documents whose manifest has not changed since the last load
  (``raw.load_state`` keeps the manifest's sha256), so a no-change load is a
  scan of the manifests and one short transaction;
* keeps a registry of every document and every file name it was seen under
  (``raw.document_registry``, ``raw.document_file``) and decides, from the
  whole registry, which documents are current (quarantined / superseded / loaded,
  see :mod:`warehouse.supersession`).

  A split disclosure (``part`` = ``narrative`` and ``tables``) is one
  disclosure: both documents get the same ``disclosure_id``.  Parts are
  handled as *slots*: ``full`` covers the ``tables`` and the ``narrative``
  slot, ``tables``/``narrative`` one each.  A document is current for a slot
  when it is the latest document covering that slot; the registry flags
  ``is_current_tables`` / ``is_current_narrative`` tell the marts which
  document to read table cells and narrative figures from, so a corrected
  ``tables`` PDF replaces the tables of an earlier ``full`` PDF without
  double-counting and without losing its narrative.

Identifiers are quoted and every value (paths included) is passed as a
``?`` parameter or through a registered Arrow table; nothing is interpolated
into SQL.

The load is spread over modules, each one concern (this module orchestrates and ingests the
Parquet files):

================================  =====================================================
:mod:`warehouse.db`               connecting, quoting, fetching (DuckDB plumbing)
:mod:`warehouse.schema`           the DDL of every ``raw`` table, created / evolved
:mod:`warehouse.manifest`         the extracted directories and their manifests
:mod:`warehouse.identity`         department alias seed, ``disclosure_id``
:mod:`warehouse.registry`         registry, file names, load state, refused files
:mod:`warehouse.supersession`     current / superseded / quarantined
:mod:`warehouse.lock`             one pipeline run per ``FISCAL_HOME``
================================  =====================================================

Their public names are importable from here too (``from warehouse.load import …``).
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import datetime
from typing import Any, Iterable, Mapping

import duckdb
import pyarrow as pa

from extract import records
from warehouse.db import (
    RAW,
    connect_writer,
    execute,
    fetch_scalar,
    insert_arrow,
    qident,
    qtable,
    table_columns,
)
from warehouse.identity import DepartmentAliases, disclosure_id_for, disclosure_key, read_department_aliases
from warehouse.lock import PipelineBusy, pipeline_lock
from warehouse.manifest import ExtractedDocument, document_row, parse_time, scan_extracted, utcnow
from warehouse.registry import record_refused_files, register_documents, touch_seen
from warehouse.schema import BOOKKEEPING_DDL, RECORD_TABLES, REGISTRY_COLUMNS, ensure_schema
from warehouse.settings import Settings
from warehouse.supersession import (
    LOADED,
    MIN_IDENTITY_CONFIDENCE,
    NO_TABLE,
    PART_SLOTS,
    QUARANTINED,
    SUPERSEDED,
    TEMPLATE_REASON,
    refresh_status,
    resolve_status,
)

__all__ = [
    "BOOKKEEPING_DDL", "LOADED", "MIN_IDENTITY_CONFIDENCE", "NO_TABLE", "PART_SLOTS", "QUARANTINED", "RAW",
    "RECORD_TABLES", "REGISTRY_COLUMNS", "SUPERSEDED", "TEMPLATE_REASON", "DepartmentAliases", "ExtractedDocument",
    "PipelineBusy", "connect_writer", "disclosure_id_for", "disclosure_key", "document_row", "ensure_schema",
    "load_extracted", "pipeline_lock", "qident", "qtable", "read_department_aliases", "record_refused_files",
    "resolve_status", "scan_extracted",
]

log = logging.getLogger(__name__)

_INSERT_CHUNK = 500  # Parquet files per INSERT … read_parquet(?) statement


def _insert_records(con: duckdb.DuckDBPyConnection, table: str, paths: list[str]) -> int:
    """INSERT the given Parquet files into raw.<table>, columns matched by name."""
    target_cols = table_columns(con, RAW, table)
    inserted = 0
    for i in range(0, len(paths), _INSERT_CHUNK):
        chunk = paths[i : i + _INSERT_CHUNK]
        src_cols = {
            r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?, union_by_name = true)", [chunk]).fetchall()
        }
        cols = [c for c in target_cols if c in src_cols]
        extra = src_cols - set(target_cols)
        if extra:
            log.warning("raw.%s: ignoring columns not in records.py: %s", table, sorted(extra))
        if not cols:
            continue
        col_sql = ", ".join(qident(c) for c in cols)
        before = fetch_scalar(con, f"SELECT count(*) FROM {qtable(table)}")
        execute(
            con,
            f"INSERT INTO {qtable(table)} ({col_sql}) SELECT {col_sql} FROM read_parquet(?, union_by_name = true)",
            [chunk],
        )
        inserted += fetch_scalar(con, f"SELECT count(*) FROM {qtable(table)}") - before
    return inserted


def load_extracted(
    settings: Settings,
    document_ids: Iterable[str] | None = None,
    *,
    seen_files: Iterable[Mapping[str, Any]] | None = None,
    refused_files: Iterable[Mapping[str, Any]] | None = None,
    force: bool = False,
) -> dict:
    """Load every changed extracted document into ``raw`` in one transaction; return counts.

    document_ids: restrict the scan to these documents (default: every directory).
    seen_files:   optional ``{"document_id", "file_path"[, "file_name", "seen_at"]}`` dicts
                  from the landing-folder sensor, so that the same bytes landing under a
                  second name are recorded even when extraction was skipped for it.
    refused_files: the landing scan's refused files (``{"file_path", "error_code", "reason"}``),
                  which replace raw.refused_file; ``None`` leaves that table as it is.
    force:        reload even documents whose manifest did not change.
    """
    seen_files = list(seen_files or [])
    refused = None if refused_files is None else list(refused_files)
    document_ids = None if document_ids is None else list(document_ids)
    for attempt in range(3):
        try:
            return _load_once(settings, document_ids, seen_files, force, refused)
        except (duckdb.IOException, FileNotFoundError) as exc:
            # Extraction replaced a document directory between our scan and our read (it
            # renames a fresh directory into place): nothing was committed, scan again.
            vanished = isinstance(exc, FileNotFoundError) or any(
                m in str(exc).lower() for m in ("no files found", "no such file"))
            if attempt == 2 or not vanished:
                raise
            log.warning("extracted files changed during the load, retrying: %s", exc)
    raise AssertionError("unreachable")


def _load_once(settings: Settings, document_ids: list[str] | None, seen_files: list[Mapping[str, Any]],
               force: bool, refused: list[Mapping[str, Any]] | None = None) -> dict:
    t0 = time.monotonic()
    now = utcnow()
    docs = scan_extracted(settings.extracted_dir, document_ids)
    con = connect_writer(settings.duckdb_path)
    try:
        ensure_schema(con)
        state = dict(con.execute(f"SELECT document_id, manifest_hash FROM {qtable('load_state')}").fetchall())
        changed = [d for d in docs if force or state.get(d.document_id) != d.manifest_hash]
        inserted: dict[str, int] = {t: 0 for t in RECORD_TABLES}
        execute(con, "BEGIN TRANSACTION")
        try:
            if changed:
                _reload_documents(con, changed, now, settings, inserted)
            touch_seen(con, docs, seen_files, now)
            if refused is not None:
                record_refused_files(con, refused, now)
            statuses = refresh_status(con, read_department_aliases(settings.department_aliases_path))
            counts = {
                "documents_seen": len(docs),
                "documents_loaded": len(changed),
                "documents_unchanged": len(docs) - len(changed),
                "rows_inserted": inserted,
                "registry": statuses,
            }
            if refused is not None:
                counts["files_refused"] = len(refused)
            execute(
                con,
                f"INSERT INTO {qtable('load_run')} VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    hashlib.md5(f"{now.isoformat()}|{time.monotonic_ns()}".encode()).hexdigest(),
                    now,
                    utcnow(),
                    len(docs),
                    len(changed),
                    len(docs) - len(changed),
                    json.dumps(counts, ensure_ascii=False),
                ],
            )
            execute(con, "COMMIT")
        except BaseException:
            execute(con, "ROLLBACK")
            raise
    finally:
        con.close()
    counts["seconds"] = round(time.monotonic() - t0, 3)
    log.info("load_extracted: %s", counts)
    return counts


def _reload_documents(
    con: duckdb.DuckDBPyConnection,
    changed: list[ExtractedDocument],
    now: datetime,
    settings: Settings,
    inserted: dict[str, int],
) -> None:
    """Replace the changed documents' rows in every record table by their Parquet files (counting
    the rows into ``inserted``) and write their registry rows."""
    ids = [d.document_id for d in changed]
    for table in RECORD_TABLES:
        execute(con, f"DELETE FROM {qtable(table)} WHERE document_id IN (SELECT unnest(?::VARCHAR[]))", [ids])

    # Record tables, straight from Parquet.  A document without document.parquet gets a
    # synthesised raw.document row so that every registered document is in raw.document.
    doc_rows = {d.document_id: document_row(d) for d in changed}
    for table in RECORD_TABLES:
        paths = [str(d.files[table]) for d in changed if table in d.files]
        if paths:
            inserted[table] += _insert_records(con, table, paths)
    synth = [doc_rows[d.document_id] for d in changed if "document" not in d.files]
    if synth:
        fields = {f.name: f for f in records.DOCUMENT}
        cols = {n: [r.get(n) for r in synth] for n in fields}
        cols["extracted_at"] = [parse_time(v) for v in cols["extracted_at"]]
        # naive datetimes are UTC; pyarrow reads them so for a tz="UTC" type
        arrays = [pa.array(cols[n], type=f.type) for n, f in fields.items()]
        insert_arrow(con, "document", pa.table(arrays, names=list(fields)))
        inserted["document"] += len(synth)

    register_documents(con, changed, doc_rows, now, settings)
