"""The records extraction builds have exactly the fields their types declare
(:mod:`extract.records`): a key added, renamed or dropped on one side fails here, where
``pyarrow`` would silently drop an unknown key or write NULL for a missing one."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from extract import errors, records
from extract.api import read_document
from extract.assemble import document_row, records_for
from extract.catalog import load_catalog
from extract.grid import Cell, Grid
from extract.perf_target import read_performance_targets
from extract.tables import TableInstance

SEED = Path(__file__).resolve().parents[1] / "corpus" / "sample" / "seed" / "yanbian-2023-final.pdf"


def _target_rows() -> list[dict]:
    """A 绩效目标表 read by extraction (no sample document prints one)."""
    rows = [["项目名称", "办公楼物业", "", "", ""],
            ["主管部门", "某局", "", "实施单位", "某中心"],
            ["专项资金情况(万元)", "资金总额", "", "25.89", ""],
            ["年度目标", "保障办公楼运转", "", "", ""],
            ["绩效目标指标", "一级指标", "二级指标", "三级指标", "指标值"],
            ["", "产出指标", "数量指标", "物业管理面积", "≤5137.26平方米"]]
    cells = [Cell(r, k, 1, 1, text, (k * 50.0, r * 20.0, k * 50.0 + 50, r * 20.0 + 20))
             for r, row in enumerate(rows) for k, text in enumerate(row)]
    grid = Grid(3, (0, 0, 250.0, 120.0), [k * 50.0 for k in range(6)], [r * 20.0 for r in range(7)], cells)
    inst = TableInstance(4, load_catalog().by_id("budget_performance_target"), "办公楼物业项目绩效目标表",
                         None, None, None, grids=[grid])
    return read_performance_targets(inst)


@pytest.fixture(scope="module")
def built() -> dict[str, list[dict]]:
    result = read_document(SEED)
    result["targets"] = result["targets"] + _target_rows()
    return records_for("d" * 64, SEED, SEED.name, result, 1.0)


def test_every_record_kind_has_a_type_and_its_schema_is_derived_from_it():
    assert set(records.RECORDS) == set(records.SCHEMAS)
    for kind, record in records.RECORDS.items():
        assert records.SCHEMAS[kind].names == list(records.columns(record))
    assert records.TABLE_CELL.field("amount").type == records.AMOUNT
    assert records.DOCUMENT.field("file_size").type == pa.int64()
    assert records.DOCUMENT.field("extracted_at").type == pa.timestamp("us", tz="UTC")


def test_every_record_extraction_builds_has_exactly_the_declared_fields(built):
    for kind, rows in built.items():
        assert rows, f"the seed document yields no {kind} record: the check would not see that kind"
        declared = set(records.columns(records.RECORDS[kind]))
        drifted = {tuple(sorted(set(r) ^ declared)) for r in rows if set(r) != declared}
        assert not drifted, f"{kind}: fields not in records.{records.RECORDS[kind].__name__} (or missing): {drifted}"


def test_the_records_write_under_their_schemas_without_losing_a_value(built):
    for kind, rows in built.items():
        table = pa.Table.from_pylist(rows, schema=records.SCHEMAS[kind])
        assert table.num_rows == len(rows)
    cells = pa.Table.from_pylist(built["table_cell"], schema=records.TABLE_CELL).to_pylist()
    assert [c["amount"] for c in cells] == [c["amount"] for c in built["table_cell"]]


def test_a_quarantined_documents_row_has_the_declared_fields(tmp_path):
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.4 not really")
    row = document_row("e" * 64, pdf, pdf.name, None, None, "quarantined", errors.TruncatedPdf("x.pdf: truncated"))
    assert set(row) == set(records.columns(records.Document))
    assert row["error_code"] == "truncated_pdf" and row["department_name"] is None
