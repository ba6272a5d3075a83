"""Data Docs render with the network off: loaded in headless chromium that cannot resolve any host."""
from __future__ import annotations

import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import sysdeps
from expectations.gx_docs import render
from expectations.gx_suites import validate_all
from expectations.rules import run_all
from expectations.testing import build_db, clean_truth

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import screenshots  # noqa: E402


def test_offline_page_has_no_external_reference():
    page = render({"raw_document": {"success": True, "evaluated_expectations": 2, "successful_expectations": 2, "rows": 3,
                                    "expectations": [{"expectation": "expect_column_values_to_not_be_null",
                                                      "column": "document_id", "success": True}]},
                   "mart_x": {"success": None, "skipped": "main.x does not exist"}})
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<script" not in page and "id='validation-list'" in page
    assert "expect_column_values_to_not_be_null" in page and "未运行" in page


@pytest.mark.slow
def test_data_docs_load_in_headless_chromium_without_network(tmp_path):
    sysdeps.pytest_require("chromium")
    db = build_db(tmp_path / "db", [clean_truth()])
    run_all(db)
    settings = SimpleNamespace(duckdb_path=db, reports_dir=tmp_path / "reports", landing_dir=tmp_path)
    result = validate_all(settings)
    index = Path(result["data_docs"])
    assert index.name == "index.html" and (index.parent / "gx_index.html").exists()  # GX's own page kept aside
    dom = screenshots.dump_dom(index.as_uri())  # the browser resolves no host (--host-resolver-rules)
    table = re.search(r'<table id="validation-list">(.*?)</table>', dom, re.S)
    assert table, dom[:500]
    rows = re.findall(r'<tr class="validation">', table.group(1))
    assert len(rows) == len(result["suites"]) >= 4
    assert "raw_document" in table.group(1) and "通过" in table.group(1)
    shot = screenshots.screenshot(index.as_uri(), tmp_path / "docs.png", 1280, 900)
    assert shot.stat().st_size > 10_000  # something was drawn
