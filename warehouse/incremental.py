"""What tonight must recompute after the load: the *night plan* (documents and departments affected).

Every stage after the load (rules, dbt, reports) reads the same plan, so a night does work in
proportion to what changed, and an incremental night gives the same warehouse as a full rebuild
(tests/test_incremental_night.py).

A document's *state* is its registry row (status, superseded_by, current parts, canonical
department, scope, parent, disclosure, manifest hash, file names …; not the times it was seen).
``raw.night_state`` keeps every document's state as of the last complete night
(:func:`record_night`, after publish). :func:`plan_night` compares the registry after tonight's
load with it:

* *changed*: a new document, a re-extracted one (new manifest hash), one whose status or
  identity changed (superseded by a correction, quarantined, a new alias in the seed), and every
  document held back last night (holds are recomputed every night);
* *affected departments*: the canonical department and the top department (the 主管部门 of a
  本级 / unit document) of each changed document, before and after;
* *affected documents*: the changed ones and every document of an affected department — what a
  rule reads across documents (the same department's 部门预算, a split disclosure's other part)
  and what a fact computes across documents (``counts_in_department_total``: 汇总 or 本级 + units
  of a top department) never leave a department.

A full night (every document affected) happens on the first night, when the code that turns
extractions into the warehouse changed since the last complete night (:func:`code_fingerprint`:
extractor version, rule catalog, dbt project, template catalog, report code), and when asked:
``fiscal run --full-refresh``, or the run tag ``fiscal/full_refresh=true`` in Dagster.

The plan is written to ``raw.night_affected`` (one row per affected document, with ``is_full``),
which the incremental dbt models read (``dbt/macros/night.sql``).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from warehouse.db import connect_reader, connect_writer, fetch_dicts, qtable, table_exists
from warehouse.schema import ensure_tables

REPO_ROOT = Path(__file__).resolve().parent.parent
STATE_TABLE = "night_state"
AFFECTED_TABLE = "night_affected"
CODE_KEY = "__code__"  # the night_state row that holds the code fingerprint
FULL_REFRESH_TAG = "fiscal/full_refresh"

# registry columns that say when, not what: a document seen again is not a changed document
_VOLATILE = {"first_seen_at", "last_seen_at", "loaded_at"}
# what turns extractions into the warehouse and the reports (beside extract.api.EXTRACTOR_VERSION)
CODE_FOLDERS = ("expectations", "dbt/models", "dbt/macros", "dbt/seeds", "dbt/tests", "extract/catalog", "reports")
CODE_SUFFIXES = (".yaml", ".yml", ".sql", ".csv", ".py")


def code_fingerprint(dbt_project_dir: Path | None = None) -> str:
    """sha256 of the extractor version and every file of :data:`CODE_FOLDERS` (+ dbt_project.yml)."""
    from extract.api import EXTRACTOR_VERSION

    dbt_dir = Path(dbt_project_dir) if dbt_project_dir else REPO_ROOT / "dbt"
    h = hashlib.sha256(EXTRACTOR_VERSION.encode())
    if (dbt_dir / "dbt_project.yml").exists():
        h.update((dbt_dir / "dbt_project.yml").read_bytes())
    for name in CODE_FOLDERS:
        folder = dbt_dir / name[len("dbt/"):] if name.startswith("dbt/") else REPO_ROOT / name
        for f in sorted(folder.rglob("*")) if folder.exists() else []:
            if f.is_file() and f.suffix in CODE_SUFFIXES and "__pycache__" not in f.parts:
                h.update(str(f.relative_to(folder)).encode())
                h.update(f.read_bytes())
    return h.hexdigest()


@dataclass
class NightPlan:
    full: bool
    reason: str  # why full, or what changed (for the run's log)
    documents: list[str] = field(default_factory=list)  # affected document ids (every registered one when full)
    changed: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)  # affected canonical / top departments

    @property
    def is_empty(self) -> bool:
        return not self.full and not self.documents

    def summary(self) -> dict[str, Any]:
        return {"full": self.full, "reason": self.reason, "documents_affected": len(self.documents),
                "documents_changed": len(self.changed), "departments_affected": len(self.departments)}


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return table_exists(con, "raw", table)


def row_fingerprint(row: dict[str, Any], volatile: set[str] = _VOLATILE) -> str:
    """md5 of a row's columns but the ``volatile`` ones (those that say when, not what)."""
    stable = {k: v for k, v in row.items() if k not in volatile}
    return hashlib.md5(json.dumps(stable, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def current_state(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str | None, str | None]]:
    """document_id -> (fingerprint of its registry row, canonical department, top department)."""
    if not _exists(con, "document_registry"):
        return {}
    out = {}
    for r in fetch_dicts(con, "SELECT * FROM raw.document_registry ORDER BY document_id"):
        digest = row_fingerprint(r)
        dept = r.get("department_canonical")
        top = r.get("parent_department") if r.get("scope") in ("own", "unit") and r.get("parent_department") else dept
        out[r["document_id"]] = (digest, dept, top)
    return out


def plan_night(duckdb_path: Path, *, code: str, full: bool = False, reason: str = "") -> NightPlan:
    """Compare the registry after tonight's load with the last complete night; write raw.night_affected."""
    con = connect_writer(duckdb_path)
    try:
        ensure_tables(con, [STATE_TABLE, AFFECTED_TABLE])
        now = current_state(con)
        last = {d: (f, dep, top) for d, f, dep, top in con.execute(
            f'SELECT document_id, fingerprint, department, top_department FROM {qtable(STATE_TABLE)}').fetchall()}
        if not full:
            if not last:
                full, reason = True, "first night (no state of a previous complete night)"
            elif last.get(CODE_KEY, (None,))[0] != code:
                full, reason = True, "the code that builds the warehouse changed since the last complete night"
        if full:
            plan = NightPlan(True, reason or "full refresh requested", sorted(now), sorted(now),
                             sorted({k for s in now.values() for k in s[1:] if k is not None}))
        else:
            last.pop(CODE_KEY, None)
            held = {r[0] for r in con.execute("SELECT DISTINCT document_id FROM raw.document_hold").fetchall()} \
                if _exists(con, "document_hold") else set()
            changed = {d for d in now.keys() | last.keys() if now.get(d, (None,))[0] != last.get(d, (None,))[0]}
            changed |= held & now.keys()
            keys = {k for d in changed for s in (now.get(d), last.get(d)) if s for k in s[1:]}
            affected = {d for d, (_, dep, top) in now.items() if d in changed or dep in keys or top in keys}
            plan = NightPlan(False, f"{len(changed)} document(s) changed since the last complete night",
                             sorted(affected), sorted(changed), sorted(k for k in keys if k is not None))
        con.execute("BEGIN TRANSACTION")
        con.execute(f'DELETE FROM {qtable(AFFECTED_TABLE)}')
        if plan.documents:
            con.execute(f'INSERT INTO {qtable(AFFECTED_TABLE)} SELECT unnest(?::VARCHAR[]), ?', [plan.documents, plan.full])
        elif plan.full:  # a full night over an empty registry still says so
            con.execute(f'INSERT INTO {qtable(AFFECTED_TABLE)} VALUES (NULL, true)')
        con.execute("COMMIT")
    finally:
        con.close()
    return plan


def record_night(duckdb_path: Path, *, code: str) -> None:
    """After a complete night (published): the registry as it is now becomes the state to compare with."""
    con = connect_writer(duckdb_path)
    try:
        state = current_state(con)
        rows = [(d, f, dep, top) for d, (f, dep, top) in state.items()] + [(CODE_KEY, code, None, None)]
        ensure_tables(con, [STATE_TABLE])
        con.execute("BEGIN TRANSACTION")
        con.execute(f'DELETE FROM {qtable(STATE_TABLE)}')
        con.executemany(f'INSERT INTO {qtable(STATE_TABLE)} VALUES (?, ?, ?, ?)', rows)
        con.execute("COMMIT")
    finally:
        con.close()


def last_code(duckdb_path: Path) -> str | None:
    """The code fingerprint of the last complete night (``raw.night_state``), None when there was
    none in this file (or no file). Read-only: safe before a run starts."""
    if not Path(duckdb_path).exists():
        return None
    try:
        with connect_reader(duckdb_path) as con:
            if not _exists(con, STATE_TABLE):
                return None
            row = con.execute(f'SELECT fingerprint FROM {qtable(STATE_TABLE)} WHERE document_id = ?',
                              [CODE_KEY]).fetchone()
    except duckdb.Error:  # held by a writer (a run in progress): not known, so nothing is assumed current
        return None
    return row[0] if row else None


def read_plan(duckdb_path: Path) -> NightPlan | None:
    """Tonight's plan as plan_night wrote it (None when no plan was made: treat as full)."""
    with connect_reader(duckdb_path) as con:
        if not _exists(con, AFFECTED_TABLE):
            return None
        rows = con.execute(f'SELECT document_id, is_full FROM {qtable(AFFECTED_TABLE)}').fetchall()
    full = any(f for _, f in rows)
    return NightPlan(full, "full" if full else "incremental", sorted(d for d, _ in rows if d is not None))
