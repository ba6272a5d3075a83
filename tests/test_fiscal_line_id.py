"""``fiscal_line_id`` is unique by construction: a property of every corpus, checked on the
extractor's own records (the seed, the synthetic sample; the real corpus in
``test_night_real_corpus.py``), with the id expression rendered from the dbt macro itself."""
from __future__ import annotations

import os
from pathlib import Path

import duckdb
import jinja2
import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "corpus" / "sample"


def fiscal_line_id_sql(alias: str = "c") -> str:
    """The SQL expression of dbt/macros/fiscal_line_id.sql for a relation aliased ``alias``."""
    macro = (REPO / "dbt" / "macros" / "fiscal_line_id.sql").read_text(encoding="utf-8")
    return jinja2.Environment().from_string(macro + "{{ fiscal_line_id('%s') }}" % alias).render().strip()


def duplicate_ids(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[int, int]:
    """(cells, cells whose id another cell of ``relation`` shares)."""
    return con.execute(f"""
        SELECT count(*), count(*) FILTER (WHERE n > 1)
          FROM (SELECT count(*) OVER (PARTITION BY {fiscal_line_id_sql('c')}) AS n FROM {relation} AS c)""").fetchall()[0]


def extracted_cells(pdfs: list[Path], out: Path) -> str:
    from extract.api import extract_many

    workers = int(os.environ.get("FISCAL_WORKERS") or 2)
    manifests = extract_many(pdfs, out, workers=workers, timeout_s=600)
    assert all(m["status"] == "extracted" for m in manifests), [m for m in manifests if m["status"] != "extracted"]
    return f"read_parquet('{out.as_posix()}/[0-9a-f]*/table_cell.parquet', union_by_name = true)"


def test_the_macro_renders_every_position_component():
    sql = fiscal_line_id_sql("c")
    for column in ("document_id", "table_seq", "side", "row_key", "row_index", "col_index", "header_path"):
        assert f"c.{column}" in sql, column


def test_ids_tell_apart_what_a_joined_string_would_not():
    """NULLs and separators inside values cannot make two positions one id."""
    con = duckdb.connect()
    con.execute("""CREATE TABLE cells AS SELECT * FROM (VALUES
        ('d', 1, NULL, 'a|b', 0, 0, NULL), ('d', 1, 'a', 'b', 0, 0, NULL), ('d', 1, 'a|b', NULL, 0, 0, NULL),
        ('d', 1, NULL, 'g0r0', 0, 0, 'x'), ('d', 1, NULL, 'g1r0', 0, 0, 'x'))
        AS t(document_id, table_seq, side, row_key, row_index, col_index, header_path)""")
    assert duplicate_ids(con, "cells") == (5, 0)


def test_ids_are_unique_on_the_seed(tmp_path):
    con = duckdb.connect()
    total, dup = duplicate_ids(con, extracted_cells(sorted((SAMPLE / "seed").glob("*.pdf")), tmp_path))
    assert total > 500 and dup == 0


@pytest.mark.slow
def test_ids_are_unique_on_the_synthetic_sample(tmp_path):
    """Both producers, 决算 and 预算, every layout variant (about 210 PDFs: minutes)."""
    con = duckdb.connect()
    total, dup = duplicate_ids(con, extracted_cells(sorted((SAMPLE / "synthetic").glob("*.pdf")), tmp_path))
    assert total > 50_000 and dup == 0
