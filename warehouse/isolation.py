"""Per-document isolation of dbt data-test failures: one document's odd data never holds back the rest.

``build_isolating(build, duckdb_path)`` runs dbt build (``build`` is a callable, so Dagster and the
tests drive it alike). When the build fails only because data tests (severity error) returned
rows, the documents those rows belong to are *held back*: written to ``raw.document_hold`` with
the failing test and a Chinese message, after which every staging model leaves their records out
(``dbt/macros/not_held_back.sql``) and ``dim_document`` shows them with status ``held_back``. dbt
build runs again; the rest builds, is tested and is published.

What is a failure of the pipeline itself, and keeps the last good copy (``PipelineFailure``):

* a model, seed or test that errors (SQL error, missing relation, a contract);
* a failing test whose rows cannot be traced to documents (a seed, a dimension row of no document);
* a test that still fails after its documents were held back (the hold did not explain it);
* a test whose rows implicate more than ``max_share`` of the current documents (more than
  ``min_documents``): a defect of a model, not of documents;
* still failing after ``max_passes`` builds.

How rows are traced to documents (``documents_of``): the test's stored failures
(``store_failures``, schema ``dbt_test__audit``, dbt_project.yml) carry ``document_id`` (not_null stores whole rows),
or the tested value (``unique_field`` / ``value_field`` / ``from_field``, or the columns of a
``unique_combination``) is looked up in the tested model, which carries ``document_id``, or
``disclosure_id`` / ``department_id`` resolved to documents through ``int_document``.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from warehouse.db import (
    RAW,
    connect_reader,
    connect_writer,
    execute,
    fetch_dicts,
    fetch_scalar,
    insert_arrow,
    qident,
    qtable,
    table_exists,
)
from warehouse.manifest import utcnow
from warehouse.schema import ensure_tables

log = logging.getLogger(__name__)

HOLD_TABLE = "document_hold"
# Column names dbt's generic tests give the tested value in their failing rows.
_VALUE_COLUMNS = ("unique_field", "value_field", "from_field")
# Columns that name documents, in the order they are tried on the tested model.
_DOCUMENT_KEYS = ("document_id", "disclosure_id", "department_id")
# What each kind of generic test means for a document, for the operator (Chinese first).
TEST_KIND_ZH = {
    "unique": "标识重复：同一标识出现多次（常见于未识别的表格结构）",
    "not_null": "必填字段为空",
    "accepted_values": "取值不在允许范围内",
    "relationships": "引用的维度值不存在",
    "unique_combination": "组合键重复",
}


class PipelineFailure(RuntimeError):
    """The build failed for a reason that is not some documents' data: keep the last good copy."""


@dataclass
class FailedTest:
    unique_id: str
    name: str
    kind: str  # unique | not_null | accepted_values | relationships | unique_combination | …
    model_id: str | None
    column: str | None
    failures: int
    message: str
    audit_relation: str | None  # where dbt stored the failing rows (for the operator's message)


@dataclass
class BuildOutcome:
    success: bool
    run_results: Mapping[str, Any]
    manifest: Mapping[str, Any]


@dataclass
class IsolationReport:
    passes: int = 0
    held: dict[str, list[FailedTest]] = field(default_factory=dict)  # document_id -> tests

    def summary(self) -> dict[str, Any]:
        return {
            "dbt_passes": self.passes,
            "documents_held_back": len(self.held),
            "held_back": {d: sorted({t.name for t in ts}) for d, ts in sorted(self.held.items())},
        }


# ----------------------------------------------------------------------------- reading dbt's results


def read_outcome(run_results: Mapping[str, Any], manifest: Mapping[str, Any]) -> tuple[list[FailedTest], list[str]]:
    """(data tests that failed, everything that errored) from dbt's run_results.json + manifest.json."""
    nodes = manifest.get("nodes", {})
    failed, errors = [], []
    for result in run_results.get("results", []):
        uid, status = result.get("unique_id", ""), result.get("status")
        node = nodes.get(uid, {})
        if status in ("error", "runtime error"):
            errors.append(f"{uid}: {(result.get('message') or '').strip()[:400]}")
        elif status == "fail" and node.get("resource_type") in ("test", "data_test"):
            meta = node.get("test_metadata") or {}
            failed.append(FailedTest(
                unique_id=uid,
                name=node.get("name") or uid,
                kind=meta.get("name") or "singular",
                model_id=node.get("attached_node") or next(
                    (n for n in node.get("depends_on", {}).get("nodes", []) if n.startswith(("model.", "seed."))), None),
                column=node.get("column_name") or (meta.get("kwargs") or {}).get("column_name"),
                failures=int(result.get("failures") or 0),
                message=(result.get("message") or "").strip(),
                audit_relation=result.get("relation_name") or node.get("relation_name"),
            ))
    return failed, errors


# ----------------------------------------------------------------------------- tracing rows to documents


def _columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {qtable(name, schema)}").fetchall()]


def _model(manifest: Mapping[str, Any], unique_id: str | None) -> tuple[str, str] | None:
    """(schema, relation name) of a model in the build file, None for seeds and unknown nodes."""
    node = manifest.get("nodes", {}).get(unique_id or "", {})
    return (node["schema"], node.get("alias") or node["name"]) if node.get("resource_type") == "model" else None


def documents_of(con: duckdb.DuckDBPyConnection, test: FailedTest, manifest: Mapping[str, Any]) -> dict[str, int] | None:
    """The documents whose rows made ``test`` fail, with how many rows each; None when they cannot be told."""
    node = manifest.get("nodes", {}).get(test.unique_id, {})
    if not node.get("config", {}).get("store_failures", True) or not node.get("schema"):
        return None
    fs, fn = node["schema"], node.get("alias") or node["name"]  # the stored failing rows
    fcols = _columns(con, fs, fn)
    if "document_id" in fcols:
        rows = con.execute(f"SELECT document_id, count(*) FROM {qtable(fn, fs)} GROUP BY ALL").fetchall()
        return {d: int(n) for d, n in rows if d is not None} or None
    model = _model(manifest, test.model_id)
    if model is None:
        return None
    ms, mn = model
    mcols = set(_columns(con, ms, mn))
    pairs = [(f, test.column) for f in fcols if f in _VALUE_COLUMNS and test.column in mcols]
    pairs += [(f, f) for f in fcols if f in mcols and f not in _VALUE_COLUMNS]
    key = next((k for k in _DOCUMENT_KEYS if k in mcols), None)
    if not pairs or key is None:
        return None
    on = " AND ".join(f"m.{qident(mc)} IS NOT DISTINCT FROM f.{qident(fc)}" for fc, mc in pairs)
    if key == "document_id":
        rows = con.execute(f"SELECT m.document_id, count(*) FROM {qtable(mn, ms)} AS m JOIN {qtable(fn, fs)} AS f "
                           f"ON {on} GROUP BY ALL").fetchall()
    else:
        int_document = _model(manifest, "model.fiscal_warehouse.int_document")
        if int_document is None:
            return None
        rows = con.execute(
            f"SELECT d.document_id, count(*) FROM {qtable(mn, ms)} AS m JOIN {qtable(fn, fs)} AS f ON {on} "
            f"JOIN {qtable(int_document[1], int_document[0])} AS d ON d.{qident(key)} = m.{qident(key)} GROUP BY ALL"
        ).fetchall()
    return {d: int(n) for d, n in rows if d is not None} or None


def hold_message(test: FailedTest, rows: int | None) -> str:
    what = TEST_KIND_ZH.get(test.kind, "数据测试未通过")
    where = f"（{test.column}）" if test.column else ""
    count = f"，共 {rows} 行" if rows else ""
    return (f"数据测试 {test.name} 未通过：{what}{where}{count}。本文件今晚暂不进入事实表，其余文件照常发布；"
            f"请用 fiscal extract 检查该文件的提取结果，或请部门更正后重新上传。"
            + (f"失败的行见 {test.audit_relation.split('.', 1)[-1]}。" if test.audit_relation else ""))


# ----------------------------------------------------------------------------- the hold table


def clear_holds(duckdb_path: Path) -> None:
    con = connect_writer(duckdb_path)
    try:
        # only the hold table (a warehouse loaded before it existed); the rest is the loader's
        ensure_tables(con, [HOLD_TABLE])
        execute(con, f"DELETE FROM {qtable(HOLD_TABLE)}")
    finally:
        con.close()


def _write_holds(con: duckdb.DuckDBPyConnection, new: dict[str, list[FailedTest]], rows: dict[tuple[str, str], int]) -> None:
    now = utcnow()
    flat = [(d, t) for d, ts in sorted(new.items()) for t in ts]
    if not flat:
        return
    insert_arrow(con, HOLD_TABLE, pa.table({
        "document_id": pa.array([d for d, _ in flat], pa.string()),
        "test_name": pa.array([t.name for _, t in flat], pa.string()),
        "test_id": pa.array([t.unique_id for _, t in flat], pa.string()),
        "model": pa.array([(t.model_id or "").split(".")[-1] or None for _, t in flat], pa.string()),
        "failing_rows": pa.array([rows.get((d, t.unique_id)) for d, t in flat], pa.int64()),
        "message": pa.array([hold_message(t, rows.get((d, t.unique_id))) for d, t in flat], pa.string()),
        "held_at": pa.array([now] * len(flat), pa.timestamp("us")),
    }))


def _current_documents(con: duckdb.DuckDBPyConnection) -> int:
    return fetch_scalar(
        con, f"SELECT count(*) FROM {qtable('document_registry')} WHERE status = 'loaded' AND NOT coalesce(is_template, false)")


def held_back(duckdb_path: Path) -> list[dict[str, Any]]:
    """Documents held back by the last dbt step, one row per document (for the CLI and Dagster)."""
    if not Path(duckdb_path).exists():
        return []
    with connect_reader(duckdb_path) as con:
        if not table_exists(con, RAW, HOLD_TABLE):
            return []
        return fetch_dicts(con, f"""
            SELECT h.document_id, any_value(r.file_path) AS file_path, any_value(r.department_canonical) AS department,
                   any_value(r.fiscal_year) AS fiscal_year, string_agg(h.test_name, ', ' ORDER BY h.test_name) AS tests,
                   string_agg(h.message, '；' ORDER BY h.test_name) AS reason
              FROM {qtable(HOLD_TABLE)} AS h
              LEFT JOIN {qtable('document_registry')} AS r USING (document_id)
             GROUP BY h.document_id ORDER BY file_path, h.document_id""")


# ----------------------------------------------------------------------------- the loop


def build_isolating(
    build: Callable[[int], BuildOutcome],
    duckdb_path: Path,
    *,
    max_passes: int = 4,
    max_share: float = 0.5,
    min_documents: int = 2,
    on_hold: Callable[[dict[str, list[FailedTest]]], None] | None = None,
) -> tuple[BuildOutcome, IsolationReport]:
    """Run ``build(pass_number)`` until it succeeds, holding back the documents failing tests point at.

    Returns the last outcome (successful) and what was held back; raises PipelineFailure (with
    the last outcome as ``.outcome``) when the failure is not documents' data.
    """
    clear_holds(duckdb_path)
    report = IsolationReport()
    for attempt in range(1, max_passes + 1):
        outcome = build(attempt)
        report.passes = attempt
        if outcome.success:
            return outcome, report
        failed, errors = read_outcome(outcome.run_results, outcome.manifest)
        if errors:
            raise _failure(outcome, "dbt 构建出错（模型、种子或测试本身出错，不是某份文件的数据问题），保留上次发布的数据仓库：\n"
                           + "\n".join(errors[:20]))
        if not failed:
            raise _failure(outcome, "dbt build 失败，但没有失败的数据测试（见 dbt 日志）；保留上次发布的数据仓库。")
        con = connect_writer(duckdb_path)
        try:
            current = _current_documents(con)
            new: dict[str, list[FailedTest]] = {}
            rows: dict[tuple[str, str], int] = {}
            for test in failed:
                docs = documents_of(con, test, outcome.manifest)
                if not docs:
                    raise _failure(outcome, f"数据测试 {test.name} 失败（{test.failures} 行），但失败的行不属于任何文件"
                                   "（种子或维度的问题），属于流水线问题；保留上次发布的数据仓库。")
                if docs.keys() <= report.held.keys():
                    raise _failure(outcome, f"数据测试 {test.name} 在暂缓 {len(docs)} 份文件之后仍然失败："
                                   "失败不能由这些文件解释，属于流水线问题；保留上次发布的数据仓库。")
                if len(docs) > min_documents and len(docs) > max_share * max(current, 1):
                    raise _failure(outcome, f"数据测试 {test.name} 涉及 {len(docs)} / {current} 份当前文件，"
                                   "更可能是模型的缺陷而不是文件的问题；保留上次发布的数据仓库。")
                for d in docs.keys() - report.held.keys():
                    new.setdefault(d, []).append(test)
                    rows[(d, test.unique_id)] = docs[d]
            _write_holds(con, new, rows)
        finally:
            con.close()
        for d, tests in new.items():
            report.held.setdefault(d, []).extend(tests)
        log.warning("dbt pass %d: holding back %d document(s): %s", attempt, len(new),
                    {d[:12]: [t.name for t in ts] for d, ts in new.items()})
        if on_hold:
            on_hold(new)
    raise _failure(outcome, f"暂缓有问题的文件后，dbt build 在 {max_passes} 次之后仍然失败；保留上次发布的数据仓库。")


def _failure(outcome: BuildOutcome, message: str) -> PipelineFailure:
    exc = PipelineFailure(message)
    exc.outcome = outcome  # type: ignore[attr-defined]
    return exc


# ----------------------------------------------------------------------------- the table in docs/reliability.md

# Staging models that leave held-back documents' rows out (dbt/macros/not_held_back.sql), and the
# intermediate model every fact reads current documents from.
HELD_BACK_FILTERS = ("stg_table_cell", "stg_extracted_table", "stg_narrative_figure", "stg_performance_project",
                     "stg_performance_target",
                     "stg_performance_indicator", "stg_page_text", "int_current_document")


def _filtered_models(manifest: Mapping[str, Any]) -> set[str]:
    """Models whose rows leave with a held-back document (they read a filtering model)."""
    nodes = manifest.get("nodes", {})
    models = {uid: n for uid, n in nodes.items() if n.get("resource_type") == "model"}
    out = {uid for uid, n in models.items() if n["name"] in HELD_BACK_FILTERS}
    changed = True
    while changed:
        changed = False
        for uid, n in models.items():
            if uid not in out and any(d in out for d in n.get("depends_on", {}).get("nodes", [])):
                out.add(uid)
                changed = True
    return out


def night_consequences(manifest: Mapping[str, Any]) -> list[dict[str, str]]:
    """Every dbt data test: its model, severity and what a failure does to the night."""
    nodes = manifest.get("nodes", {})
    filtered = _filtered_models(manifest)
    rows = []
    for uid, node in sorted(nodes.items(), key=lambda kv: kv[1].get("name", "")):
        if node.get("resource_type") != "test":
            continue
        severity = str(node.get("config", {}).get("severity", "ERROR")).lower()
        target = nodes.get(node.get("attached_node") or "", {})
        columns = set(target.get("columns", {}))
        if severity == "warn":
            effect = "warn: the night goes on; a WARN check in Dagster, rows in dbt_test__audit"
        elif not node.get("test_metadata"):  # a singular test (dbt/tests/*.sql)
            effect = ("holds back the documents of the failing rows when they carry document_id; "
                      "else pipeline: keeps the last good copy")
        elif target.get("resource_type") == "model" and columns & set(_DOCUMENT_KEYS) and (
                target.get("unique_id") in filtered  # the rows leave with the document
                or "held_back" in str(node.get("config", {}).get("where") or "")):  # held-back rows not tested
            effect = "holds back the documents of the failing rows; the rest is built and published"
        else:
            why = "a seed" if target.get("resource_type") == "seed" else "rows that stay when a document is held back"
            effect = f"pipeline: keeps the last good copy ({why})"
        rows.append({"test": node.get("name", uid), "model": target.get("name", ""), "severity": severity,
                     "effect": effect})
    return rows


def markdown_table(manifest: Mapping[str, Any]) -> str:
    lines = ["| dbt data test | on | severity | when it fails |", "|---|---|---|---|"]
    for r in night_consequences(manifest):
        lines.append(f"| `{r['test']}` | {r['model']} | {r['severity']} | {r['effect']} |")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m warehouse.isolation dbt/target/manifest.json
    import json
    import sys

    print(markdown_table(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))))
