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
  whole registry, which documents are current:

  - ``quarantined``: extraction quarantined it, or it is a blank template;
  - ``superseded``: a later document (new sha256) of the same disclosure
    (canonical department + fiscal_year + doc_kind + scope) covers the same
    part; "later" is the latest ``first_seen_at``, ties broken by the larger
    ``document_id``;
  - ``loaded``: everything else (its records are used by the marts).

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
"""
from __future__ import annotations

import csv
import hashlib
import json
import logging
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from extract import records
from warehouse.settings import Settings

log = logging.getLogger(__name__)

RAW = "raw"
RECORD_TABLES: tuple[str, ...] = tuple(records.SCHEMAS)
TEMPLATE_REASON = "blank template, not a department disclosure"
QUARANTINED, SUPERSEDED, LOADED = "quarantined", "superseded", "loaded"
#: slots each ``part`` covers (unknown / missing part = a full disclosure)
PART_SLOTS = {"full": ("tables", "narrative"), "tables": ("tables",), "narrative": ("narrative",)}
#: manifest keys that may carry when the file appeared (ISO text or epoch seconds)
_SEEN_TIME_KEYS = ("first_seen_at", "landed_at", "file_mtime", "mtime", "file_modified_at")
_INSERT_CHUNK = 500  # Parquet files per INSERT … read_parquet(?) statement

# ---------------------------------------------------------------------------
# DDL: bookkeeping tables (record tables come from the Arrow schemas)
# ---------------------------------------------------------------------------
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
    # Written by expectations.rules.run_all; created empty here so dbt sources exist before
    # the rules have ever run.
    "dq_result": [
        ("document_id", "VARCHAR"),
        ("rule_id", "VARCHAR"),
        ("rule_title", "VARCHAR"),
        ("severity", "VARCHAR"),
        ("category", "VARCHAR"),
        ("status", "VARCHAR"),  # pass | fail | not_applicable | insufficient_data
        ("detail", "VARCHAR"),
    ],
    "dq_finding": [
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
    ],
}


def qident(name: str) -> str:
    """Quote an SQL identifier (table or column name)."""
    return '"' + name.replace('"', '""') + '"'


def _exec(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
    """Execute a statement and drain its result (DuckDB refuses new work while a result is pending)."""
    return con.execute(sql, params if params is not None else []).fetchall()


def qtable(table: str, schema: str = RAW) -> str:
    return f"{qident(schema)}.{qident(table)}"


# ---------------------------------------------------------------------------
# Manifest scan
# ---------------------------------------------------------------------------
@dataclass
class ExtractedDocument:
    """One ``data/extracted/<document_id>/`` directory."""

    document_id: str
    directory: Path
    manifest_hash: str
    manifest: dict[str, Any]
    files: dict[str, Path] = field(default_factory=dict)  # record name -> parquet path


def scan_extracted(extracted_dir: Path, document_ids: Iterable[str] | None = None) -> list[ExtractedDocument]:
    """Every document directory holding a ``manifest.json`` (temp dirs of a running extraction have none yet)."""
    extracted_dir = Path(extracted_dir)
    if not extracted_dir.is_dir():
        return []
    if document_ids is None:
        dirs = sorted(p for p in extracted_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    else:
        dirs = [extracted_dir / d for d in sorted(set(document_ids))]
    found: list[ExtractedDocument] = []
    for d in dirs:
        mpath = d / "manifest.json"
        try:
            raw = mpath.read_bytes()
        except FileNotFoundError:
            continue
        try:
            manifest = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            log.warning("unreadable manifest %s: %s", mpath, exc)
            manifest = {"status": "quarantined", "error_code": "manifest_unreadable", "error_message": str(exc)}
        doc_id = str(manifest.get("document_id") or d.name)
        files = {name: d / f"{name}.parquet" for name in RECORD_TABLES if (d / f"{name}.parquet").is_file()}
        found.append(ExtractedDocument(doc_id, d, hashlib.sha256(raw).hexdigest(), manifest, files))
    return found


# ---------------------------------------------------------------------------
# Schema management
# ---------------------------------------------------------------------------
def _arrow_columns(con: duckdb.DuckDBPyConnection, schema: pa.Schema) -> list[tuple[str, str]]:
    """DuckDB column types for an Arrow schema (DECIMAL(24,6) stays DECIMAL)."""
    con.register("_wh_empty", schema.empty_table())
    try:
        return [(r[0], r[1]) for r in con.execute("DESCRIBE SELECT * FROM _wh_empty").fetchall()]
    finally:
        con.unregister("_wh_empty")


def _ensure_table(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[tuple[str, str]],
                  existing: set[str]) -> None:
    if not existing:
        cols = ", ".join(f"{qident(c)} {t}" for c, t in columns)
        _exec(con, f"CREATE TABLE IF NOT EXISTS {qtable(table)} ({cols})")
        return
    for c, t in columns:  # additive schema evolution
        if c not in existing:
            _exec(con, f"ALTER TABLE {qtable(table)} ADD COLUMN {qident(c)} {t}")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``raw`` and its tables if missing; add columns a newer records.py introduced."""
    _exec(con, f"CREATE SCHEMA IF NOT EXISTS {qident(RAW)}")
    existing: dict[str, set[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = ?", [RAW]
    ).fetchall():
        existing.setdefault(table, set()).add(column)
    for name, schema in records.SCHEMAS.items():
        cols = _arrow_columns(con, schema)
        if {c for c, _ in cols} - existing.get(name, set()):
            _ensure_table(con, name, cols, existing.get(name, set()))
    for name, cols in BOOKKEEPING_DDL.items():
        if {c for c, _ in cols} - existing.get(name, set()):
            _ensure_table(con, name, cols, existing.get(name, set()))


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


class PipelineBusy(RuntimeError):
    """Another pipeline run (load … publish) holds the lock of this FISCAL_HOME."""


@contextmanager
def pipeline_lock(settings: Settings, *, wait_s: float = 0.0) -> Iterator[Path]:
    """One pipeline run at a time per ``FISCAL_HOME``: an ``flock`` on ``$FISCAL_HOME/.pipeline.lock``.

    DuckDB's own file lock covers one connection; a run opens several (load, rules, dbt,
    publish), so two runs could interleave between them. The kernel drops the lock when the
    holder dies (even on SIGKILL), so a crashed run never leaves a stale lock. The holder
    writes ``pid N since <UTC time>`` into the file for the message the second run prints.
    """
    import fcntl
    import os

    path = Path(settings.home) / ".pipeline.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "pid unknown"
                    raise PipelineBusy(f"another load is running ({holder}); wait for it to finish "
                                       f"(lock file {path})") from None
                time.sleep(0.5)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {_utcnow():%Y-%m-%d %H:%M:%S} UTC".encode(), 0)
        yield path
    finally:
        os.close(fd)  # releases the lock


# ---------------------------------------------------------------------------
# Identity of a document
# ---------------------------------------------------------------------------
def _norm(text: Any) -> str | None:
    if text is None:
        return None
    s = unicodedata.normalize("NFKC", str(text)).strip()
    s = "".join(s.split())
    return s or None


@dataclass(frozen=True)
class DepartmentAliases:
    """The bureau-edited alias seed: spelling → canonical department (and the scope it implies).

    Matching is on NFKC-normalised, space-free text (full-width and half-width brackets, stray
    spaces); the canonical name is kept as the bureau wrote it.
    """

    canonical: Mapping[str, str] = field(default_factory=dict)  # normalised alias -> canonical name
    scope: Mapping[str, str] = field(default_factory=dict)  # normalised alias -> implied scope
    parent: Mapping[str, str] = field(default_factory=dict)  # normalised alias -> 主管部门 (canonical)

    def resolve(self, department: Any, scope: Any) -> tuple[str | None, str | None]:
        """(canonical department, effective scope) of a document as identified."""
        name = str(department).strip() if department is not None else ""
        if not name:
            return None, scope
        key = _norm(name)
        canonical = self.canonical.get(key, name)
        if (scope is None or scope == "unknown") and key in self.scope:
            scope = self.scope[key]
        return canonical, scope

    def parent_of(self, department: Any, printed_parent: Any) -> str | None:
        """Canonical 主管部门: as printed (through the seed), else as the seed says."""
        if printed_parent:
            return self.canonical.get(_norm(printed_parent), str(printed_parent).strip())
        return self.parent.get(_norm(department)) if department else None


def read_department_aliases(path: Path) -> DepartmentAliases:
    """Read ``dbt/seeds/department_aliases.csv`` (a missing file means no aliases)."""
    canonical: dict[str, str] = {}
    scopes: dict[str, str] = {}
    parents: dict[str, str] = {}
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                alias, name = _norm(row.get("alias")), (row.get("department_name") or "").strip()
                if alias and name:
                    canonical[alias] = name
                    if (row.get("scope") or "").strip():
                        scopes[alias] = row["scope"].strip()
                    if (row.get("parent_department_name") or "").strip():
                        parents[alias] = parents[_norm(name)] = row["parent_department_name"].strip()
    except FileNotFoundError:
        pass
    return DepartmentAliases(canonical, scopes, parents)


def disclosure_key(department: str | None, year: Any, kind: str | None, scope: str | None) -> str | None:
    """The text hashed into ``disclosure_id``; None when the document is not identified."""
    if not department or year is None or not kind:
        return None
    return f"{_norm(department)}|{int(year)}|{kind}|{scope or 'unknown'}"


def disclosure_id_for(document_id: str, key: str | None) -> str:
    """md5 of department|year|kind|scope; an unidentified document is a disclosure of its own."""
    return hashlib.md5((key if key is not None else f"document|{document_id}").encode("utf-8")).hexdigest()


def _parse_time(value: Any) -> datetime | None:
    """UTC naive datetime from ISO text, epoch seconds or a datetime; None if unusable."""
    if value is None:
        return None
    try:
        if isinstance(value, datetime):
            dt = value
        elif isinstance(value, (int, float)):
            dt = datetime.fromtimestamp(float(value), tz=timezone.utc)
        else:
            dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    return dt


_DOC_FIELDS = [f.name for f in records.DOCUMENT]


def document_row(doc: ExtractedDocument) -> dict[str, Any]:
    """The ``raw.document`` row: from document.parquet, or synthesised from the manifest.

    A crash or timeout in extraction yields a manifest without Parquet files; the
    document must still be registered (and counted as quarantined), so its row is
    built from whatever the manifest says.
    """
    row: dict[str, Any] = {}
    if "document" in doc.files:
        rows = pq.read_table(doc.files["document"]).to_pylist()
        if rows:
            row = dict(rows[0])
    m = doc.manifest
    for name in _DOC_FIELDS:
        if row.get(name) is None and m.get(name) is not None:
            row[name] = m[name]
    if row.get("file_path") is None and m.get("relative_path"):
        row["file_path"] = m["relative_path"]
    if row.get("file_name") is None and row.get("file_path"):
        row["file_name"] = Path(str(row["file_path"])).name
    row["document_id"] = doc.document_id
    # The manifest has the last word on extraction status (a crash after writing Parquet).
    if str(m.get("status") or "").lower() == QUARANTINED:
        row["status"] = QUARANTINED
        row["error_code"] = row.get("error_code") or m.get("error_code")
        row["error_message"] = row.get("error_message") or m.get("error_message")
    return row


def _paths_from_manifest(m: Mapping[str, Any], row: Mapping[str, Any]) -> list[str]:
    paths: list[str] = []
    for key in ("file_path", "relative_path"):
        if m.get(key):
            paths.append(str(m[key]))
    for key in ("file_paths", "relative_paths", "paths", "files", "seen_paths"):
        val = m.get(key)
        if isinstance(val, list):
            for item in val:
                if isinstance(item, str):
                    paths.append(item)
                elif isinstance(item, Mapping):
                    p = item.get("file_path") or item.get("relative_path") or item.get("path")
                    if p:
                        paths.append(str(p))
    if row.get("file_path"):
        paths.append(str(row["file_path"]))
    out: list[str] = []
    for p in paths:
        if p not in out:
            out.append(p)
    return out


def _landing_mtime(settings: Settings, relative_path: Any) -> datetime | None:
    """Modification time of the file in the landing folder, if it is still there."""
    if not relative_path:
        return None
    try:
        return _parse_time(Path(settings.landing_dir, str(relative_path)).stat().st_mtime)
    except (OSError, ValueError):
        return None


def _coerce_int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _coerce_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


# ---------------------------------------------------------------------------
# Current / superseded / quarantined
# ---------------------------------------------------------------------------
#: below this identity_confidence a document never supersedes nor is superseded (extract/catalog/identity.yaml)
MIN_IDENTITY_CONFIDENCE = 0.6


def _certain(r: Mapping[str, Any]) -> bool:
    """Confidently identified: no review item from extraction and a confidence at or above
    the threshold (an extraction from before confidences were scored counts as certain)."""
    conf = r.get("identity_confidence")
    return not r.get("identity_review") and (conf is None or conf >= MIN_IDENTITY_CONFIDENCE)


# The table set of a document that prints no table at all (not one whose tables have no name).
NO_TABLE = "(no table)"


def _same_content(a: Mapping[str, Any], b: Mapping[str, Any], slot: str) -> bool:
    """For the tables slot, two documents print the same kind of tables (half of the smaller
    set of tables in common, by catalog name or printed title): a 140-page 绩效目标表 file is no
    correction of a full budget.  Documents from before table sets were compared (None) count
    as the same; a document whose tables have neither name nor title cannot be compared."""
    if slot != "tables":
        return True
    ta, tb = a.get("tables"), b.get("tables")
    if ta is None or tb is None:
        return True
    if not ta or not tb:
        return False
    return len(set(ta) & set(tb)) * 2 >= min(len(ta), len(tb))


def resolve_status(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Decide status, reason, superseded_by, the current-slot flags and review items.

    ``rows`` need: document_id, disclosure_key (None = unidentified), part,
    is_template, extraction_status, error_code, error_message (optional), first_seen_at;
    optionally identity_confidence, identity_review (extraction's doubts, a list) and tables
    (mapped table names).  Pure function, unit-tested on its own.

    A later document supersedes an earlier one only when both are confidently the same
    disclosure (department, year, kind, scope) and part, and — for tables — print the same
    kind of tables.  Otherwise both stay current and each gets a "possible duplicate /
    correction?" review item naming the other: the operator decides, nothing is hidden.
    """
    out: dict[str, dict[str, Any]] = {}
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        doc_id = r["document_id"]
        if _coerce_bool(r.get("is_template")):
            out[doc_id] = _status(QUARANTINED, TEMPLATE_REASON)
        elif str(r.get("extraction_status") or "").lower() == QUARANTINED:
            code, msg = r.get("error_code"), r.get("error_message")
            reason = ": ".join(str(x) for x in (code, msg) if x) or "quarantined by extraction"
            out[doc_id] = _status(QUARANTINED, reason)
        elif r.get("disclosure_key") is None:
            out[doc_id] = _status(LOADED, None, tables=True, narrative=True)
        else:
            groups.setdefault(r["disclosure_key"], []).append(r)
    for members in groups.values():
        # latest first: first_seen_at desc, then document_id desc
        ordered = sorted(members, key=lambda r: (r["first_seen_at"] or datetime.min, r["document_id"]), reverse=True)
        current: dict[str, list[Mapping[str, Any]]] = {}  # slot -> documents current for it
        owned: dict[str, set[str]] = {r["document_id"]: set() for r in ordered}
        by: dict[str, str] = {}
        doubts: dict[str, list[str]] = {r["document_id"]: [] for r in ordered}
        for r in ordered:
            for slot in PART_SLOTS.get(r.get("part") or "full", PART_SLOTS["full"]):
                newer = current.setdefault(slot, [])
                replacing = [o for o in newer if _certain(o) and _certain(r) and _same_content(o, r, slot)]
                if replacing:
                    by.setdefault(r["document_id"], replacing[0]["document_id"])
                    continue
                for o in newer:
                    doubts[o["document_id"]].append(r["document_id"])
                    doubts[r["document_id"]].append(o["document_id"])
                newer.append(r)
                owned[r["document_id"]].add(slot)
        for r in ordered:
            doc_id = r["document_id"]
            if owned[doc_id]:
                out[doc_id] = _status(LOADED, None, tables="tables" in owned[doc_id],
                                      narrative="narrative" in owned[doc_id])
            else:
                out[doc_id] = _status(SUPERSEDED, f"replaced by a later document of the same disclosure ({by[doc_id]})")
                out[doc_id]["superseded_by"] = by[doc_id]
            for other in dict.fromkeys(doubts[doc_id]):
                out[doc_id]["review"].append({
                    "field": "document_id", "code": "possible_duplicate",
                    "message": f"可能重复或更正？与文档 {other[:12]} 同为 {r['disclosure_key']}，但身份不够确定或表格不同，"
                               f"两份都保留为当前文档，请确认哪份有效 / possible duplicate or correction of {other}: "
                               "both kept current until the operator decides",
                    "other_document_id": other})
    return out


def _status(status: str, reason: str | None, *, tables: bool = False, narrative: bool = False) -> dict[str, Any]:
    return {
        "status": status,
        "reason": reason,
        "superseded_by": None,
        "is_current_tables": tables,
        "is_current_narrative": narrative,
        "review": [],
    }


# ---------------------------------------------------------------------------
# The load
# ---------------------------------------------------------------------------
def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _insert_records(con: duckdb.DuckDBPyConnection, table: str, paths: list[str]) -> int:
    """INSERT the given Parquet files into raw.<table>, columns matched by name."""
    target_cols = [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position",
            [RAW, table],
        ).fetchall()
    ]
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
        before = con.execute(f"SELECT count(*) FROM {qtable(table)}").fetchall()[0][0]
        _exec(
            con,
            f"INSERT INTO {qtable(table)} ({col_sql}) SELECT {col_sql} FROM read_parquet(?, union_by_name = true)",
            [chunk],
        )
        inserted += con.execute(f"SELECT count(*) FROM {qtable(table)}").fetchall()[0][0] - before
    return inserted


def _insert_arrow(con: duckdb.DuckDBPyConnection, table: str, data: pa.Table) -> None:
    con.register("_wh_rows", data)
    try:
        cols = ", ".join(qident(c) for c in data.column_names)
        _exec(con, f"INSERT INTO {qtable(table)} ({cols}) SELECT {cols} FROM _wh_rows")
    finally:
        con.unregister("_wh_rows")


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
    now = _utcnow()
    docs = scan_extracted(settings.extracted_dir, document_ids)
    con = connect_writer(settings.duckdb_path)
    try:
        ensure_schema(con)
        state = dict(con.execute(f"SELECT document_id, manifest_hash FROM {qtable('load_state')}").fetchall())
        changed = [d for d in docs if force or state.get(d.document_id) != d.manifest_hash]
        inserted: dict[str, int] = {t: 0 for t in RECORD_TABLES}
        _exec(con, "BEGIN TRANSACTION")
        try:
            if changed:
                _reload_documents(con, changed, now, settings, inserted)
            _touch_seen(con, docs, seen_files, now)
            if refused is not None:
                record_refused_files(con, refused, now)
            statuses = _refresh_status(con, read_department_aliases(settings.department_aliases_path))
            counts = {
                "documents_seen": len(docs),
                "documents_loaded": len(changed),
                "documents_unchanged": len(docs) - len(changed),
                "rows_inserted": inserted,
                "registry": statuses,
            }
            if refused is not None:
                counts["files_refused"] = len(refused)
            _exec(
                con,
                f"INSERT INTO {qtable('load_run')} VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    hashlib.md5(f"{now.isoformat()}|{time.monotonic_ns()}".encode()).hexdigest(),
                    now,
                    _utcnow(),
                    len(docs),
                    len(changed),
                    len(docs) - len(changed),
                    json.dumps(counts, ensure_ascii=False),
                ],
            )
            _exec(con, "COMMIT")
        except BaseException:
            _exec(con, "ROLLBACK")
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
    ids = [d.document_id for d in changed]
    for table in RECORD_TABLES:
        _exec(con, f"DELETE FROM {qtable(table)} WHERE document_id IN (SELECT unnest(?::VARCHAR[]))", [ids])

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
        cols["extracted_at"] = [_parse_time(v) for v in cols["extracted_at"]]
        # naive datetimes are UTC; pyarrow reads them so for a tz="UTC" type
        arrays = [pa.array(cols[n], type=f.type) for n, f in fields.items()]
        _insert_arrow(con, "document", pa.table(arrays, names=list(fields)))
        inserted["document"] += len(synth)

    # Registry rows (first_seen_at never moves later; file paths accumulate).  The canonical
    # department, effective scope and disclosure_id are filled in by _refresh_status.
    existing = {
        r[0]: {"first_seen_at": r[1], "file_paths": list(r[2] or []), "file_name": r[3], "file_path": r[4]}
        for r in con.execute(
            f"SELECT document_id, first_seen_at, file_paths, file_name, file_path FROM {qtable('document_registry')} "
            "WHERE document_id IN (SELECT unnest(?::VARCHAR[]))",
            [ids],
        ).fetchall()
    }
    reg_rows: list[dict[str, Any]] = []
    file_rows: list[tuple[str, str, str]] = []
    for d in changed:
        row = doc_rows[d.document_id]
        m = d.manifest
        prev = existing.get(d.document_id, {})
        # Sticky once registered; otherwise when the file landed (a manifest time key, else the
        # landing file's mtime), then when it was extracted, then this load.
        candidates = [prev.get("first_seen_at")] + [_parse_time(m.get(k)) for k in _SEEN_TIME_KEYS]
        candidates += [_landing_mtime(settings, row.get("file_path")), _parse_time(row.get("extracted_at")), now]
        first_seen = next(c for c in candidates if c is not None)
        paths = _paths_from_manifest(m, row)
        all_paths = sorted(set(prev.get("file_paths", [])) | set(paths))
        first_path = prev.get("file_path") or (paths[0] if paths else None)
        reg_rows.append(
            {
                "document_id": d.document_id,
                "disclosure_id": None,
                "file_name": prev.get("file_name") or row.get("file_name") or (Path(first_path).name if first_path else None),
                "file_path": first_path,
                "file_paths": all_paths,
                "department_name": row.get("department_name"),
                "department_canonical": None,
                "fiscal_year": _coerce_int(row.get("fiscal_year")),
                "doc_kind": row.get("doc_kind"),
                "scope": row.get("scope"),
                "part": row.get("part"),
                "is_template": _coerce_bool(row.get("is_template")),
                "extraction_status": row.get("status") or m.get("status"),
                "error_code": row.get("error_code"),
                "status": None,
                "reason": row.get("error_message"),  # refined by _refresh_status
                "superseded_by": None,
                "is_current_tables": False,
                "is_current_narrative": False,
                "manifest_hash": d.manifest_hash,
                "first_seen_at": first_seen,
                "last_seen_at": now,
                "loaded_at": now,
            }
        )
        for p in paths:
            file_rows.append((d.document_id, p, Path(p).name, first_seen, now))
    _exec(
        con,
        f"DELETE FROM {qtable('document_registry')} WHERE document_id IN (SELECT unnest(?::VARCHAR[]))", [ids]
    )
    types = {
        "fiscal_year": pa.int32(),
        "file_paths": pa.list_(pa.string()),
        "is_template": pa.bool_(),
        "is_current_tables": pa.bool_(),
        "is_current_narrative": pa.bool_(),
        "first_seen_at": pa.timestamp("us"),
        "last_seen_at": pa.timestamp("us"),
        "loaded_at": pa.timestamp("us"),
        "identity_confidence": pa.float64(),
        "needs_review": pa.bool_(),
    }
    names = [c for c, _ in REGISTRY_COLUMNS]
    table = pa.table(
        [pa.array([r.get(n) for r in reg_rows], type=types.get(n, pa.string())) for n in names], names=names
    )
    _insert_arrow(con, "document_registry", table)
    _upsert_files(con, file_rows)

    _exec(con, f"DELETE FROM {qtable('load_state')} WHERE document_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
    _insert_arrow(
        con,
        "load_state",
        pa.table(
            {
                "document_id": pa.array(ids, pa.string()),
                "manifest_hash": pa.array([d.manifest_hash for d in changed], pa.string()),
                "loaded_at": pa.array([now] * len(ids), pa.timestamp("us")),
            }
        ),
    )


def _upsert_files(con: duckdb.DuckDBPyConnection, file_rows: list[tuple[str, str, str, datetime, datetime]]) -> None:
    """Rows (document_id, file_path, file_name, first_seen, last_seen) into raw.document_file."""
    if not file_rows:
        return
    data = pa.table(
        {
            "document_id": pa.array([r[0] for r in file_rows], pa.string()),
            "file_path": pa.array([r[1] for r in file_rows], pa.string()),
            "file_name": pa.array([r[2] for r in file_rows], pa.string()),
            "first_seen": pa.array([r[3] for r in file_rows], pa.timestamp("us")),
            "seen_at": pa.array([r[4] for r in file_rows], pa.timestamp("us")),
        }
    )
    con.register("_wh_files", data)
    try:
        _exec(
            con,
            f"""
            UPDATE {qtable('document_file')} AS f
               SET last_seen_at = greatest(f.last_seen_at, s.seen_at),
                   first_seen_at = least(f.first_seen_at, s.first_seen)
              FROM (SELECT document_id, file_path, min(first_seen) AS first_seen, max(seen_at) AS seen_at
                      FROM _wh_files GROUP BY ALL) AS s
             WHERE f.document_id = s.document_id AND f.file_path = s.file_path
            """
        )
        _exec(
            con,
            f"""
            INSERT INTO {qtable('document_file')} (document_id, file_path, file_name, first_seen_at, last_seen_at)
            SELECT document_id, file_path, any_value(file_name), min(first_seen), max(seen_at)
              FROM _wh_files AS s
             WHERE NOT EXISTS (SELECT 1 FROM {qtable('document_file')} AS f
                                WHERE f.document_id = s.document_id AND f.file_path = s.file_path)
             GROUP BY document_id, file_path
            """
        )
    finally:
        con.unregister("_wh_files")


def _touch_seen(con: duckdb.DuckDBPyConnection, docs: list[ExtractedDocument], seen_files: list[Mapping[str, Any]],
                now: datetime) -> None:
    """last_seen_at of every document whose manifest is present, and files reported by the sensor."""
    if docs:
        _exec(
            con,
            f"UPDATE {qtable('document_registry')} SET last_seen_at = ? "
            "WHERE document_id IN (SELECT unnest(?::VARCHAR[]))",
            [now, [d.document_id for d in docs]],
        )
    if seen_files:
        rows = []
        for f in seen_files:
            if not f.get("document_id") or not f.get("file_path"):
                continue
            p = str(f["file_path"])
            # seen_at (e.g. the file's mtime) can only move first_seen_at earlier; the file is
            # present now, so last_seen_at is this load
            first = min(_parse_time(f.get("seen_at")) or now, now)
            rows.append((str(f["document_id"]), p, str(f.get("file_name") or Path(p).name), first, now))
        _upsert_files(con, rows)
        # keep the registry's list of names in step with raw.document_file
        _exec(
            con,
            f"""
            UPDATE {qtable('document_registry')} AS r
               SET file_paths = s.paths
              FROM (SELECT document_id, list(DISTINCT file_path ORDER BY file_path) AS paths
                      FROM {qtable('document_file')} GROUP BY document_id) AS s
             WHERE r.document_id = s.document_id
            """
        )


def record_refused_files(con: duckdb.DuckDBPyConnection, refused: list[Mapping[str, Any]], now: datetime) -> None:
    """Replace raw.refused_file with the landing scan's refusals, keeping when each was first seen."""
    first = dict(con.execute(f"SELECT file_path, first_seen_at FROM {qtable('refused_file')}").fetchall())
    _exec(con, f"DELETE FROM {qtable('refused_file')}")
    rows = {str(r["file_path"]): r for r in refused if r.get("file_path")}
    if not rows:
        return
    paths = sorted(rows)
    _insert_arrow(con, "refused_file", pa.table({
        "file_path": pa.array(paths, pa.string()),
        "file_name": pa.array([Path(p).name for p in paths], pa.string()),
        "error_code": pa.array([rows[p].get("error_code") for p in paths], pa.string()),
        "reason": pa.array([rows[p].get("reason") for p in paths], pa.string()),
        "first_seen_at": pa.array([first.get(p) or now for p in paths], pa.timestamp("us")),
        "last_seen_at": pa.array([now] * len(paths), pa.timestamp("us")),
    }))


def _refresh_status(con: duckdb.DuckDBPyConnection, aliases: DepartmentAliases) -> dict[str, int]:
    """Recompute identity and status for the whole registry.

    A new document can supersede an old one, and an edit of the alias seed can merge two
    spellings of a department into one disclosure, so this runs over every document.
    """
    cur = con.execute(
        f"""
        SELECT r.document_id, r.department_name, r.fiscal_year, r.doc_kind,
               coalesce(d.scope, r.scope) AS identified_scope, r.part,
               r.is_template, r.extraction_status, r.error_code, d.error_message, r.first_seen_at,
               d.parent_department AS printed_parent, d.identity_confidence, d.identity_review, t.tables,
               coalesce(n.n_tables, 0) AS n_tables
          FROM {qtable('document_registry')} AS r
          LEFT JOIN (SELECT document_id, any_value(error_message) AS error_message, any_value(scope) AS scope,
                            any_value(parent_department) AS parent_department,
                            any_value(identity_confidence) AS identity_confidence,
                            any_value(identity_review) AS identity_review
                       FROM {qtable('document')} GROUP BY document_id) AS d USING (document_id)
          LEFT JOIN (SELECT document_id,
                            list(DISTINCT CASE WHEN is_mapped THEN table_name ELSE printed_title END) AS tables
                       FROM {qtable('extracted_table')}
                      WHERE is_mapped OR printed_title IS NOT NULL GROUP BY document_id) AS t USING (document_id)
          LEFT JOIN (SELECT document_id, count(*) AS n_tables
                       FROM {qtable('extracted_table')} GROUP BY document_id) AS n USING (document_id)
        """
    )
    names = [c[0] for c in cur.description]
    rows = [dict(zip(names, r)) for r in cur.fetchall()]
    for r in rows:
        r["department_canonical"], r["scope"] = aliases.resolve(r["department_name"], r["identified_scope"])
        r["parent_department"] = aliases.parent_of(r["department_canonical"], r["printed_parent"])
        r["disclosure_key"] = disclosure_key(r["department_canonical"], r["fiscal_year"], r["doc_kind"], r["scope"])
        r["disclosure_id"] = disclosure_id_for(r["document_id"], r["disclosure_key"])
        try:
            r["identity_review"] = json.loads(r["identity_review"] or "[]")
        except (TypeError, ValueError):
            r["identity_review"] = []
        r["tables"] = list(r["tables"]) if r["tables"] is not None else ([] if r["identity_confidence"] is not None else None)
        if r["tables"] == [] and not r["n_tables"]:
            r["tables"] = [NO_TABLE]  # prints no table at all: comparable with another that prints none
    resolved = resolve_status(rows)
    by_id = {r["document_id"]: r for r in rows}
    ids = list(resolved)
    review = {i: by_id[i]["identity_review"] + resolved[i]["review"] for i in ids}
    data = pa.table(
        {
            "document_id": pa.array(ids, pa.string()),
            "parent_department": pa.array([by_id[i]["parent_department"] for i in ids], pa.string()),
            "identity_confidence": pa.array([by_id[i]["identity_confidence"] for i in ids], pa.float64()),
            "review_items": pa.array([json.dumps(review[i], ensure_ascii=False) for i in ids], pa.string()),
            "needs_review": pa.array([bool(review[i]) for i in ids], pa.bool_()),
            "department_canonical": pa.array([by_id[i]["department_canonical"] for i in ids], pa.string()),
            "scope": pa.array([by_id[i]["scope"] for i in ids], pa.string()),
            "disclosure_id": pa.array([by_id[i]["disclosure_id"] for i in ids], pa.string()),
            "status": pa.array([resolved[i]["status"] for i in ids], pa.string()),
            "reason": pa.array([resolved[i]["reason"] for i in ids], pa.string()),
            "superseded_by": pa.array([resolved[i]["superseded_by"] for i in ids], pa.string()),
            "is_current_tables": pa.array([resolved[i]["is_current_tables"] for i in ids], pa.bool_()),
            "is_current_narrative": pa.array([resolved[i]["is_current_narrative"] for i in ids], pa.bool_()),
        }
    )
    con.register("_wh_status", data)
    try:
        _exec(
            con,
            f"""
            UPDATE {qtable('document_registry')} AS r
               SET status = s.status, reason = s.reason, superseded_by = s.superseded_by,
                   department_canonical = s.department_canonical, disclosure_id = s.disclosure_id,
                   scope = s.scope, parent_department = s.parent_department,
                   identity_confidence = s.identity_confidence, review_items = s.review_items,
                   needs_review = s.needs_review,
                   is_current_tables = s.is_current_tables, is_current_narrative = s.is_current_narrative
              FROM _wh_status AS s
             WHERE r.document_id = s.document_id
               AND (r.status IS DISTINCT FROM s.status
                    OR r.parent_department IS DISTINCT FROM s.parent_department
                    OR r.identity_confidence IS DISTINCT FROM s.identity_confidence
                    OR r.review_items IS DISTINCT FROM s.review_items
                    OR r.department_canonical IS DISTINCT FROM s.department_canonical
                    OR r.scope IS DISTINCT FROM s.scope
                    OR r.disclosure_id IS DISTINCT FROM s.disclosure_id OR r.reason IS DISTINCT FROM s.reason
                    OR r.superseded_by IS DISTINCT FROM s.superseded_by
                    OR r.is_current_tables IS DISTINCT FROM s.is_current_tables
                    OR r.is_current_narrative IS DISTINCT FROM s.is_current_narrative)
            """
        )
    finally:
        con.unregister("_wh_status")
    summary: dict[str, int] = {}
    for v in resolved.values():
        summary[v["status"]] = summary.get(v["status"], 0) + 1
    return summary
