"""The single-writer loader and the atomic publish, on small record fixtures."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from extract import records
from tests import fixtures_records as fx
from warehouse import load as load_mod
from warehouse.load import load_extracted, resolve_status
from warehouse.publish import publish
from warehouse.settings import Settings

TIME_COLUMNS = {"first_seen_at", "last_seen_at", "loaded_at"}


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    for var in ("FISCAL_LANDING_DIR", "FISCAL_EXTRACTED_DIR", "FISCAL_DUCKDB_PATH", "FISCAL_PUBLISHED_PATH",
                "FISCAL_REPORTS_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("FISCAL_HOME", str(tmp_path / "data"))
    s = Settings.from_env()
    s.ensure_dirs()
    return s


def snapshot(path: Path) -> dict[str, list[tuple]]:
    """Full sorted contents of every raw table except load bookkeeping timestamps."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for table in list(records.SCHEMAS) + ["document_registry", "document_file", "dq_result", "dq_finding"]:
            cols = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema='raw' AND table_name=? "
                "ORDER BY ordinal_position", [table]).fetchall() if r[0] not in TIME_COLUMNS]
            sql = "SELECT " + ", ".join(f'"{c}"' for c in cols) + f' FROM raw."{table}"'
            out[table] = sorted(con.execute(sql).fetchall(), key=repr)
        return out
    finally:
        con.close()


def query(path: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def registry(path: Path) -> dict[str, dict]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        cur = con.execute("SELECT * FROM raw.document_registry")
        names = [c[0] for c in cur.description]
        return {r[0]: dict(zip(names, r)) for r in cur.fetchall()}
    finally:
        con.close()


def test_raw_tables_follow_the_record_schemas(settings):
    fx.build_corpus(settings.extracted_dir)
    load_extracted(settings)
    types = dict(query(settings.duckdb_path,
                       "SELECT column_name, data_type FROM information_schema.columns "
                       "WHERE table_schema='raw' AND table_name='table_cell'"))
    assert [c for c in types] == records.TABLE_CELL.names
    assert types["amount"] == "DECIMAL(24,6)"
    assert types["row_index"] == "INTEGER"
    for table in records.SCHEMAS:
        cols = [r[0] for r in query(settings.duckdb_path,
                                    "SELECT column_name FROM information_schema.columns WHERE table_schema='raw' "
                                    "AND table_name=? ORDER BY ordinal_position", [table])]
        assert cols == records.SCHEMAS[table].names, table
    # the rules' tables exist (empty) before the rules ever ran
    assert query(settings.duckdb_path, "SELECT count(*) FROM raw.dq_result") == [(0,)]
    assert query(settings.duckdb_path, "SELECT count(*) FROM raw.dq_finding") == [(0,)]


def test_load_twice_gives_identical_tables(settings):
    fx.build_corpus(settings.extracted_dir)
    first = load_extracted(settings)
    assert first["documents_loaded"] == 6
    before = snapshot(settings.duckdb_path)
    again = load_extracted(settings)
    assert again["documents_loaded"] == 0 and again["documents_unchanged"] == 6
    assert snapshot(settings.duckdb_path) == before
    forced = load_extracted(settings, force=True)  # every document deleted and re-inserted
    assert forced["documents_loaded"] == 6
    assert snapshot(settings.duckdb_path) == before
    cells = query(settings.duckdb_path, "SELECT count(*), sum(amount) FROM raw.table_cell")
    assert cells == before_cells(before)


def before_cells(snap):
    amounts = [r[records.TABLE_CELL.names.index("amount")] for r in snap["table_cell"]]
    return [(len(amounts), sum(a for a in amounts if a is not None))]


def test_no_change_load_is_fast(settings):
    fx.build_corpus(settings.extracted_dir)
    load_extracted(settings)
    t0 = time.monotonic()
    result = load_extracted(settings)
    assert time.monotonic() - t0 < 1.0
    assert result["documents_loaded"] == 0


def test_corrected_pdf_supersedes_and_history_stays(settings):
    fx.build_corpus(settings.extracted_dir, include_fix=False)
    load_extracted(settings)
    reg = registry(settings.duckdb_path)
    assert reg[fx.FINAL_2023]["status"] == "loaded"

    fx.add_fix(settings.extracted_dir)
    result = load_extracted(settings)
    assert result["documents_loaded"] == 1  # only the new document is read
    reg = registry(settings.duckdb_path)
    old, new = reg[fx.FINAL_2023], reg[fx.FINAL_2023_FIX]
    assert old["status"] == "superseded" and old["superseded_by"] == fx.FINAL_2023_FIX
    assert not old["is_current_tables"] and not old["is_current_narrative"]
    assert new["status"] == "loaded" and new["is_current_tables"] and new["is_current_narrative"]
    assert old["disclosure_id"] == new["disclosure_id"]
    assert reg[fx.FINAL_2022]["disclosure_id"] != new["disclosure_id"]
    # history: the superseded document's rows are still in raw
    n = query(settings.duckdb_path, "SELECT count(*) FROM raw.table_cell WHERE document_id = ?", [fx.FINAL_2023])
    assert n[0][0] > 0


def test_same_bytes_under_two_names_is_one_document(settings):
    fx.build_corpus(settings.extracted_dir)
    load_extracted(settings)
    cells_before = query(settings.duckdb_path, "SELECT count(*) FROM raw.table_cell")
    # The same bytes land again as 副本.pdf: extraction rewrites the manifest of the same document_id.
    mpath = settings.extracted_dir / fx.FINAL_2022 / "manifest.json"
    manifest = json.loads(mpath.read_text(encoding="utf-8"))
    manifest["file_path"] = "inbox/测试局2022决算-副本.pdf"
    mpath.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    # ...and the landing sensor reports a third name without re-extracting.
    load_extracted(settings, seen_files=[{"document_id": fx.FINAL_2022, "file_path": "again/第三个名字.pdf"}])

    assert query(settings.duckdb_path, "SELECT count(*) FROM raw.document_registry WHERE document_id = ?",
                 [fx.FINAL_2022]) == [(1,)]
    files = {r[0] for r in query(settings.duckdb_path,
                                 "SELECT file_path FROM raw.document_file WHERE document_id = ?", [fx.FINAL_2022])}
    assert files == {"2022/测试局2022年度部门决算.pdf", "inbox/测试局2022决算-副本.pdf", "again/第三个名字.pdf"}
    reg = registry(settings.duckdb_path)[fx.FINAL_2022]
    assert reg["file_path"] == "2022/测试局2022年度部门决算.pdf"  # the first name stays the name
    assert sorted(reg["file_paths"]) == sorted(files)
    assert query(settings.duckdb_path, "SELECT count(*) FROM raw.table_cell") == cells_before
    assert query(settings.duckdb_path, "SELECT count(*) FROM raw.document WHERE document_id = ?",
                 [fx.FINAL_2022]) == [(1,)]


def test_templates_and_failed_extractions_are_quarantined(settings):
    fx.build_corpus(settings.extracted_dir)
    result = load_extracted(settings)
    assert result["registry"] == {"loaded": 3, "superseded": 1, "quarantined": 2}
    reg = registry(settings.duckdb_path)
    assert reg[fx.TEMPLATE]["status"] == "quarantined"
    assert reg[fx.TEMPLATE]["reason"] == "blank template, not a department disclosure"
    assert reg[fx.BROKEN]["status"] == "quarantined"
    assert reg[fx.BROKEN]["reason"].startswith("no_text_layer: scanned PDF")
    # a manifest-only document still has its raw.document row
    assert query(settings.duckdb_path, "SELECT status, error_code, file_name FROM raw.document WHERE document_id=?",
                 [fx.BROKEN]) == [("quarantined", "no_text_layer", "扫描件.pdf")]


def test_failed_load_leaves_previous_state(settings, monkeypatch):
    fx.build_corpus(settings.extracted_dir, include_fix=False)
    load_extracted(settings)
    before = snapshot(settings.duckdb_path)
    fx.add_fix(settings.extracted_dir)

    def boom(*a, **k):
        raise RuntimeError("crash in the middle of the load")

    monkeypatch.setattr(load_mod, "refresh_status", boom)
    with pytest.raises(RuntimeError):
        load_extracted(settings)
    assert snapshot(settings.duckdb_path) == before
    monkeypatch.undo()
    assert load_extracted(settings)["documents_loaded"] == 1  # the failed document is retried


def test_document_ids_restricts_the_scan(settings):
    fx.build_corpus(settings.extracted_dir)
    result = load_extracted(settings, document_ids=[fx.FINAL_2022])
    assert result["documents_seen"] == 1
    assert query(settings.duckdb_path, "SELECT document_id FROM raw.document_registry") == [(fx.FINAL_2022,)]


def test_alias_seed_merges_spellings_into_one_disclosure(settings, tmp_path):
    dbt_dir = tmp_path / "dbt"
    (dbt_dir / "seeds").mkdir(parents=True)
    (dbt_dir / "seeds" / "department_aliases.csv").write_text(
        "alias,department_name,scope,parent_department_name\n测试局（旧称）,测试局,,\n"
        "测试局（汇总）,测试局,consolidated,\n", encoding="utf-8")
    s = replace(settings, dbt_project_dir=dbt_dir)
    fx.build_corpus(s.extracted_dir, include_fix=False)
    # the correction is printed with the old name of the department
    body = fx.final_document(fx.FINAL_2023_FIX, "x.pdf", 2023, **fx.FIX_2023)
    doc = fx._doc(fx.FINAL_2023_FIX, "x.pdf", 2023, "final", department_name="测试局（旧称）")
    fx.write_document(s.extracted_dir, doc, manifest_extra={"file_mtime": "2025-07-01T00:00:00Z"}, **body)
    # the 2022 final prints its name with a half-width bracket and no identified scope
    doc22 = fx._doc(fx.FINAL_2022, "y.pdf", 2022, "final", department_name="测试局 (汇总)", scope="unknown")
    fx.write_document(s.extracted_dir, doc22, cells=fx.expenditure_cells("1", "1", "0", "x"))
    load_extracted(s)
    reg = registry(s.duckdb_path)
    assert reg[fx.FINAL_2023_FIX]["department_canonical"] == "测试局"
    assert reg[fx.FINAL_2023]["status"] == "superseded"
    assert (reg[fx.FINAL_2022]["department_canonical"], reg[fx.FINAL_2022]["scope"]) == ("测试局", "consolidated")


def _r(doc_id, part, seen, **kw):
    return {"document_id": doc_id, "disclosure_key": "d|2023|final|consolidated", "part": part,
            "first_seen_at": datetime(2025, 1, seen), "is_template": False, "extraction_status": "extracted", **kw}


def test_split_disclosure_parts_are_slots():
    # full PDF first, then a corrected tables-only PDF: tables from the new one, narrative from the old one
    res = resolve_status([_r("a", "full", 1), _r("b", "tables", 2)])
    assert res["a"]["status"] == "loaded" and res["a"]["is_current_narrative"] and not res["a"]["is_current_tables"]
    assert res["b"]["is_current_tables"] and not res["b"]["is_current_narrative"]
    # narrative + tables published separately, then one full corrected PDF replaces both
    res = resolve_status([_r("n", "narrative", 1), _r("t", "tables", 1), _r("f", "full", 3)])
    assert res["n"]["status"] == res["t"]["status"] == "superseded"
    assert res["n"]["superseded_by"] == res["t"]["superseded_by"] == "f"
    # ties on first_seen_at: the larger document_id is current
    res = resolve_status([_r("a1", "full", 1), _r("a2", "full", 1)])
    assert res["a2"]["status"] == "loaded" and res["a1"]["superseded_by"] == "a2"
    # a quarantined document never supersedes anything
    res = resolve_status([_r("ok", "full", 1), _r("bad", "full", 2, extraction_status="quarantined")])
    assert res["ok"]["status"] == "loaded" and res["bad"]["status"] == "quarantined"


def test_supersession_only_between_confident_identities():
    sure = {"identity_confidence": 0.95, "identity_review": []}
    # both confident, same disclosure, same tables: the later one replaces the earlier
    res = resolve_status([_r("a", "full", 1, tables=["t01", "t02"], **sure), _r("b", "full", 2, tables=["t01", "t02"], **sure)])
    assert res["a"]["superseded_by"] == "b" and not res["a"]["review"] and not res["b"]["review"]
    # the later one's identity is doubtful (a heading read as its department, say): both stay
    # current and each names the other for the operator
    doubtful = {"identity_confidence": 0.4, "identity_review": [{"field": "department_name", "code": "x"}]}
    res = resolve_status([_r("a", "full", 1, tables=["t01"], **sure), _r("b", "full", 2, tables=["t01"], **doubtful)])
    assert res["a"]["status"] == res["b"]["status"] == "loaded"
    assert [i["other_document_id"] for i in res["a"]["review"]] == ["b"]
    assert [i["code"] for i in res["b"]["review"]] == ["possible_duplicate"]
    # confident but printing other tables (a 绩效目标表 file beside the full budget): no takeover
    res = resolve_status([_r("full", "full", 1, tables=["t01", "t02", "t03"], **sure),
                          _r("perf", "tables", 2, tables=["performance_target"], **sure)])
    assert res["full"]["is_current_tables"] and res["perf"]["is_current_tables"]
    assert res["full"]["review"] and res["perf"]["review"]
    # neither prints a table the reader could name or title: no way to tell, so no takeover
    res = resolve_status([_r("x", "full", 1, tables=[], **sure), _r("y", "full", 2, tables=[], **sure)])
    assert res["x"]["status"] == res["y"]["status"] == "loaded"


READER = textwrap.dedent(
    """
    import sys, time, json, duckdb
    path, stop = sys.argv[1], sys.argv[2]
    import os
    seen, errors, n = set(), [], 0
    while not os.path.exists(stop) or n < 20:
        try:
            con = duckdb.connect(path, read_only=True)
            try:
                row = con.execute(
                    "SELECT (SELECT count(*) FROM raw.table_cell), (SELECT sum(amount) FROM raw.table_cell),"
                    " (SELECT count(*) FROM raw.document_registry WHERE status = 'loaded')").fetchall()[0]
            finally:
                con.close()
            seen.add(json.dumps([row[0], str(row[1]), row[2]]))
        except Exception as exc:
            errors.append(repr(exc))
        n += 1
    print(json.dumps({"seen": sorted(seen), "errors": errors, "iterations": n}))
    """
)


def _state(path: Path) -> str:
    row = query(path, "SELECT (SELECT count(*) FROM raw.table_cell), (SELECT sum(amount) FROM raw.table_cell),"
                      " (SELECT count(*) FROM raw.document_registry WHERE status = 'loaded')")[0]
    return json.dumps([row[0], str(row[1]), row[2]])


def test_publish_is_atomic_for_readers(settings, tmp_path):
    fx.build_corpus(settings.extracted_dir, include_fix=False)
    load_extracted(settings)
    publish(settings)
    states = {_state(settings.published_path)}
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(settings.published_path), str(stop)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.3)
        fx.add_fix(settings.extracted_dir)
        for i in range(5):
            if i == 2:
                load_extracted(settings)  # the load runs while the reader keeps the published file open
            publish(settings)
            states.add(_state(settings.published_path))
            time.sleep(0.05)
        stop.touch()
        out, err = reader.communicate(timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
    result = json.loads(out)
    assert result["errors"] == []
    assert result["iterations"] >= 20
    assert set(result["seen"]) <= states
    assert len(states) == 2
    leftovers = [p for p in settings.published_path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_raw_tables_gain_columns_records_py_adds(settings):
    fx.build_corpus(settings.extracted_dir)
    load_extracted(settings)
    con = duckdb.connect(str(settings.duckdb_path))
    con.execute('ALTER TABLE raw.page_text DROP COLUMN "text"').fetchall()  # an older records.py
    con.close()
    load_extracted(settings, force=True)
    assert query(settings.duckdb_path, "SELECT count(*) FROM raw.page_text WHERE text IS NOT NULL") == [(7,)]


def test_unreadable_manifest_is_registered_as_quarantined(settings):
    d = settings.extracted_dir / fx.doc_id("garbled")
    d.mkdir(parents=True)
    (d / "manifest.json").write_text("{not json", encoding="utf-8")
    (settings.extracted_dir / ".tmp-in-progress").mkdir()  # a running extraction's temp dir is skipped
    result = load_extracted(settings)
    assert result["documents_seen"] == 1
    reg = registry(settings.duckdb_path)[fx.doc_id("garbled")]
    assert reg["status"] == "quarantined" and reg["reason"].startswith("manifest_unreadable")


def test_file_paths_are_parameters_not_sql(settings):
    """A quote in a landing path or document directory cannot break (or inject into) the SQL."""
    did = "x'); DROP TABLE raw.document; --"
    doc = fx._doc(did, "it's a \"quoted\" name'.pdf", 2023, "final", department_name="引号'局")
    fx.write_document(settings.extracted_dir, doc, pages=[{"page": 1, "text": "x"}])
    load_extracted(settings)
    assert query(settings.duckdb_path, "SELECT file_path FROM raw.document WHERE document_id = ?", [did]) == [
        ("it's a \"quoted\" name'.pdf",)]


def test_directory_replaced_during_the_load_is_retried(settings, monkeypatch):
    fx.build_corpus(settings.extracted_dir)
    real = load_mod._insert_records
    calls = {"n": 0}

    def flaky(con, table, paths):
        calls["n"] += 1
        if calls["n"] == 1:  # extraction renamed a fresh directory into place under our feet
            raise duckdb.IOException('IO Error: No files found that match the pattern "x.parquet"')
        return real(con, table, paths)

    monkeypatch.setattr(load_mod, "_insert_records", flaky)
    result = load_extracted(settings)
    assert result["documents_loaded"] == 6 and calls["n"] > 1
