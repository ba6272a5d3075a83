"""`fiscal status` lists the tables the catalog could not name, by normalised title."""
from __future__ import annotations

import duckdb

from dagster_project.cli import unrecognised_tables


def test_status_lists_unrecognised_tables_by_title(tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema raw")
    con.execute("create table raw.document_registry (document_id varchar, file_path varchar, status varchar)")
    con.execute("create table raw.extracted_table (document_id varchar, normalised_title varchar, is_mapped boolean,"
                " is_ambiguous boolean, first_page integer, recognition_candidates varchar)")
    con.execute("insert into raw.document_registry values ('a', 'x/a.pdf', 'loaded'), ('b', 'x/b.pdf', 'loaded'),"
                " ('c', 'x/c.pdf', 'superseded')")
    con.execute("insert into raw.extracted_table values"
                " ('a', '部门收支总表', true, false, 3, null),"
                " ('a', '专项转移支付表', false, false, 7, null),"
                " ('b', '专项转移支付表', false, true, 9, '[\"budget_summary\"]'),"
                " ('c', '债务情况表', false, false, 2, null)")  # superseded: not the operator's concern
    con.close()
    unrecognised_tables(db)
    out = capsys.readouterr().out
    assert "unrecognised tables (2 in 1 title(s))" in out
    line = next(l for l in out.splitlines() if l.startswith("专项转移支付表"))
    assert line.split()[1:4] == ["2", "2", "1"] and "x/a.pdf 第7页" in line
    assert "债务情况表" not in out and "部门收支总表" not in out
