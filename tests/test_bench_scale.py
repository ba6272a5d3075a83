"""bench/warehouse_scale.py: cloning an extracted store to N distinct documents."""
from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq

from bench.warehouse_scale import clone_store


def test_clones_are_distinct_documents_with_their_rows(tmp_path):
    src = tmp_path / "src"
    for doc, dept, status in (("a" * 64, "青川州财政局", "extracted"), ("b" * 64, "青川州教育局", "extracted"),
                              ("c" * 64, None, "quarantined")):
        d = src / doc
        d.mkdir(parents=True)
        (d / "manifest.json").write_text(json.dumps({"document_id": doc, "department_name": dept, "status": status}))
        pq.write_table(pa.table({"document_id": [doc], "department_name": [dept]}), d / "document.parquet")
        pq.write_table(pa.table({"document_id": [doc] * 3, "amount": ["1.00", "2.00", "3.00"]}), d / "table_cell.parquet")

    assert clone_store(src, tmp_path / "out", 5) == 5
    dirs = sorted((tmp_path / "out").iterdir())
    assert len(dirs) == 5
    depts = set()
    for d in dirs:
        manifest = json.loads((d / "manifest.json").read_text())
        assert manifest["document_id"] == d.name
        doc = pq.read_table(d / "document.parquet").to_pylist()[0]
        cells = pq.read_table(d / "table_cell.parquet")
        assert doc["document_id"] == d.name and set(cells.column("document_id").to_pylist()) == {d.name}
        assert cells.column("amount").to_pylist() == ["1.00", "2.00", "3.00"]
        assert doc["department_name"] == manifest["department_name"]
        depts.add(doc["department_name"])
    # the quarantined source document is not cloned; every clone is its own department
    assert depts == {"青川州财政局", "青川州教育局", "克隆1青川州财政局", "克隆1青川州教育局", "克隆2青川州财政局"}
