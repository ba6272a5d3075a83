"""经济分类 codes read from the names of a table printed without them (extract/economic.py,
catalog/economic_classes.csv) and the coded rules over such a table (TB09/TB10 …)."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from expectations.rules import Doc, evaluate_document, rule_by_id
from extract.economic import EconRow, econ_key, economic_classes, infer_codes

META = {"document_id": "b1", "doc_kind": "budget", "fiscal_year": 2026}


def _named(rows: list[tuple[str, str]], table: str = "budget_general_basic") -> list[dict]:
    """A table printed by name only: row_key is the label, no subject_code."""
    return [{"table_name": table, "table_seq": 9, "row_key": name, "subject_code": None, "line_name": name,
             "measure": "amount", "amount": Decimal(v), "page": 7} for name, v in rows]


def run(cells: list[dict], rule_id: str):
    (out,) = evaluate_document(Doc.from_rows(META, cells), [rule_by_id(rule_id)])
    return out


BASIC = [("合计", "70.00"),
         ("工资福利支出", "50.00"), ("基本工资", "30.00"), ("津贴补贴", "20.00"),
         ("商品和服务支出", "15.00"), ("办公费", "5.00"), ("维修（护）费", "4.00"), ("其他商品和服务支出", "6.00"),
         ("对个人和家庭的补助", "5.00"), ("退休费", "5.00")]


def test_uncoded_basic_table_that_adds_up_passes():
    out = run(_named(BASIC), "TB09_TOTAL_EQ_SUM_CLASSES")
    assert out.status == "pass", out.detail
    out = run(_named(BASIC), "TB09_CLASS_EQ_SUM_ITEMS")
    assert out.status == "pass", out.detail
    assert out.checked == 3  # 301, 302, 303 against their 款


def test_uncoded_basic_table_with_a_wrong_total_is_an_error_marked_as_inferred():
    rows = [("合计", "71.00"), *BASIC[1:]]
    out = run(_named(rows), "TB09_TOTAL_EQ_SUM_CLASSES")
    assert out.status == "fail"
    (f,) = out.findings
    assert (f.row_key, f.expected, f.printed, f.page) == ("合计", Decimal("70.00"), Decimal("71.00"), 7)
    assert "按科目名称推断" in f.message


def test_uncoded_class_that_is_not_the_sum_of_its_items_is_an_error_on_that_row():
    rows = [(n, "16.00" if n == "商品和服务支出" else v) for n, v in BASIC]
    out = run(_named(rows), "TB09_CLASS_EQ_SUM_ITEMS")
    assert out.status == "fail"
    (f,) = out.findings
    assert (f.row_key, f.expected, f.printed) == ("商品和服务支出", Decimal("15.00"), Decimal("16.00"))
    assert "302" in f.message and "按科目名称推断" in f.message


def test_unknown_name_keeps_the_total_insufficient_with_its_reason():
    rows = [("合计", "70.00"), ("工资福利支出", "50.00"), ("基本工资", "50.00"),
            ("公用支出杂项", "20.00")]  # not a 经济分类 name
    out = run(_named(rows), "TB09_TOTAL_EQ_SUM_CLASSES")
    assert out.status == "insufficient_data"
    assert "公用支出杂项" in out.detail and "not in the 经济分类 catalog" in out.detail


def test_unknown_name_inside_a_class_keeps_that_class_insufficient():
    rows = [("合计", "70.00"), ("工资福利支出", "50.00"), ("基本工资", "30.00"), ("车改补贴", "20.00"),
            ("商品和服务支出", "20.00"), ("办公费", "20.00")]
    out = run(_named(rows), "TB09_CLASS_EQ_SUM_ITEMS")
    assert out.status == "pass"  # 302 = 30201 compared; 301 withheld
    assert out.checked == 1
    assert "301" in out.detail


def test_admin_operating_table_by_name():
    rows = [("合计", "10.00"), ("商品和服务支出", "10.00"), ("办公费", "4.00"), ("差旅费", "3.00"),
            ("公务用车运行维护费", "3.00")]
    cells = _named(rows, "budget_admin_operating")
    for c in cells:
        c["measure"] = "administrative_operating"
    assert run(cells, "TB10_TOTAL_EQ_SUM_CLASSES").status == "pass"
    assert run(cells, "TB10_CLASS_EQ_SUM_ITEMS").status == "pass"
    cells[0]["amount"] = Decimal("12.00")
    assert run(cells, "TB10_TOTAL_EQ_SUM_CLASSES").status == "fail"


def test_items_printed_without_their_class_are_not_classes():
    """款 only (办公费, 印刷费 …): no 类 is known, nothing is summed as one."""
    rows = [("合计", "9.00"), ("办公费", "4.00"), ("印刷费", "3.00")]
    out = run(_named(rows), "TB09_TOTAL_EQ_SUM_CLASSES")
    assert out.status == "insufficient_data"
    assert "类 is not printed above it" in out.detail


# ------------------------------------------------------------------------------ the inference itself
def R(label: str, code: str | None = None, amount: bool = True) -> EconRow:
    return EconRow(code, label, amount)


def test_same_name_class_and_item_are_told_apart_by_place():
    inf = infer_codes([R("工资福利支出"), R("基本工资"), R("其他支出"), R("其他支出")])
    assert inf.codes == ["301", "30101", "399", "39999"] and not inf.unresolved


def test_item_name_shared_by_two_classes_follows_the_class_above():
    inf = infer_codes([R("资本性支出（基本建设）"), R("办公设备购置"), R("资本性支出"), R("办公设备购置")])
    assert inf.codes == ["309", "30902", "310", "31002"]
    old = infer_codes([R("对个人和家庭的补助"), R("住房公积金"), R("工资福利支出"), R("住房公积金")])
    assert old.codes == ["303", "30311", "301", "30113"]  # pre-2018 303 款 / 2018 301 款


def test_ambiguous_name_is_not_guessed():
    inf = infer_codes([R("工资福利支出"), R("其他支出"), R("赠与")])  # the old 类 306 or the 款 39906
    assert inf.scheme == "department" and inf.codes == ["301", "399", None]
    assert inf.unresolved and "ambiguous" in inf.unresolved[0][1]


def test_scheme_is_the_one_every_name_fits():
    dep = infer_codes([R("工资福利支出"), R("商品和服务支出"), R("对个人和家庭的补助")])
    assert dep.scheme == "department" and dep.codes == ["301", "302", "303"]
    gov = infer_codes([R("机关工资福利支出"), R("工资奖金津补贴"), R("对事业单位经常性补助"), R("工资福利支出")])
    assert gov.scheme == "government" and gov.codes == ["501", "50101", "505", "50501"]
    both = infer_codes([R("对个人和家庭的补助")])  # 303 or 509
    assert both.codes == [None] and both.unresolved


def test_printed_codes_fix_the_scheme_and_fill_an_unread_code():
    inf = infer_codes([R("工资福利支出", "301"), R("基本工资", "30101"), R("津贴补贴"), R("商品和服务支出")])
    assert inf.scheme == "department" and inf.codes == [None, None, "30102", "302"]


def test_a_code_is_taken_once():
    inf = infer_codes([R("工资福利支出"), R("基本工资"), R("基本工资")])
    assert inf.codes == ["301", "30101", None]
    assert "already taken" in inf.unresolved[0][1]


@pytest.mark.parametrize("printed, canonical", [
    ("维修(护)费", "维修（护）费"), ("因公出国 (境) 费用", "因公出国（境）费用"), ("１、工资福利支出", "工资福利支出"),
    ("其中：基本工资", "基本工资"), ("商 品 和 服 务 支 出", "商品和服务支出"), ("资本性支出〔基本建设〕", "资本性支出（基本建设）"),
])
def test_name_variants_are_normalised_not_aliased(printed, canonical):
    assert econ_key(printed) == econ_key(canonical)
    assert econ_key(canonical) in economic_classes()["department"]


def test_catalog_codes_are_well_formed_and_items_belong_to_a_listed_class():
    for scheme, names in economic_classes().items():
        codes = {c for cs in names.values() for c in cs}
        classes = {c for c in codes if len(c) == 3}
        assert all(c[:3] in classes for c in codes), scheme
        assert all(c[0] == {"department": "3", "government": "5"}[scheme] for c in codes)


def test_an_amount_read_as_a_code_is_not_a_class():
    """电费 791 with the amount taken for its code (791 is no 经济分类 类): the row is 30206 by its
    name, not a 类 791 closing the block of 302 (Hangzhou 2026 交通运输局)."""
    rows = [("合计", "30.00"), ("商品和服务支出", "30.00"), ("办公费", "10.00"), ("791", "7.91"), ("邮电费", "12.09")]
    cells = _named(rows)
    for c in cells:
        if c["row_key"] == "791":
            c["subject_code"], c["line_name"] = "791", "电费"
    out = run(cells, "TB09_TOTAL_EQ_SUM_CLASSES")
    assert out.status == "pass", out.detail
    out = run(cells, "TB09_CLASS_EQ_SUM_ITEMS")
    assert out.status == "pass" and out.checked == 1, out.detail
    assert infer_codes([R("商品和服务支出"), R("电费", "791"), R("邮电费")]).codes == ["302", "30206", "30207"]


def test_a_code_printed_in_the_label_is_the_printed_code():
    """[301]工资福利支出 (Guangzhou 2026): the code is printed, in the label; a code of the other
    scheme printed so ([512]债务还本支出) is kept as printed, not replaced by a name's code."""
    rows = [("合计", "60.00"), ("[301]工资福利支出", "50.00"), ("[30101]基本工资", "50.00"),
            ("[512]债务还本支出", "10.00")]
    cells = _named(rows)
    doc = Doc.from_rows(META, cells)
    assert [(r.code, r.code_inferred) for r in doc.rows("budget_general_basic")] == [
        (None, False), ("301", False), ("30101", False), ("512", False)]
    (out,) = evaluate_document(doc, [rule_by_id("TB09_TOTAL_EQ_SUM_CLASSES")])
    assert out.status == "pass" and "推断" not in out.detail
    assert econ_key("[30101]基本工资") == econ_key("基本工资")


# ------------------------------------------------------------------------------ real files (../shared)
CRAWLED = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real" / "crawled-2026-budget"
REAL_FILES = {  # a table printed by name only (with an amount read as a code), one with [301] labels
    "008_杭州/2026年杭州市交通运输局部门预算.pdf": "name",
    "005_广州/2026年广州市气象局部门预算.pdf": "label",
}


def test_real_basic_tables_without_code_columns_are_checked(tmp_path):
    import duckdb

    from expectations.rules.loader import current_documents, load_doc
    from tests.conftest import extract_load_check

    files = [CRAWLED / f for f in REAL_FILES]
    if not all(f.is_file() for f in files):
        pytest.skip(f"{CRAWLED} not available")
    s, _ = extract_load_check(tmp_path / "home", files, landing_root=CRAWLED, workers=1)
    con = duckdb.connect(str(s.duckdb_path), read_only=True)
    try:
        status = {(f, r): st for f, r, st in con.execute(
            "SELECT d.file_name, r.rule_id, r.status FROM raw.dq_result r JOIN raw.document d USING (document_id)"
            " WHERE r.rule_id LIKE 'TB09%'").fetchall()}
        for meta in current_documents(con):
            rows = load_doc(con, meta).rows("budget_general_basic")
            how = REAL_FILES[next(f for f in REAL_FILES if f.endswith(meta["file_name"]))]
            if how == "name":
                assert sum(r.code_inferred for r in rows) >= 40  # every 类 and 款 of the table
                assert next(r for r in rows if r.label == "电费").code == "30206"  # printed '791' read as a code
            else:
                assert not any(r.code_inferred for r in rows) and sum(bool(r.label_code) for r in rows) >= 30
    finally:
        con.close()
    for f in REAL_FILES:
        for rule in ("TB09_TOTAL_EQ_SUM_CLASSES", "TB09_CLASS_EQ_SUM_ITEMS"):
            assert status[(Path(f).name, rule)] == "pass", (f, rule)


def test_result_detail_says_the_codes_were_inferred():
    out = run(_named(BASIC), "TB09_TOTAL_EQ_SUM_CLASSES")
    assert "9 经济分类 codes inferred from the printed names (301, 30101, 30102, 302…)" in out.detail


def test_cross_rule_finds_an_item_by_its_inferred_code():
    """XB11: 三公 公务用车运行费 ≥ 30231 of the 09 table; 30231 printed by name only is found by its
    inferred code (before: not found, so the rule compared with nothing)."""
    tp = {"table_name": "budget_three_public", "table_seq": 11, "row_key": "三公经费", "subject_code": None,
          "line_name": "三公经费", "measure": "vehicle_operation", "page": 8}
    basic = [("合计", "10.00"), ("商品和服务支出", "10.00"), ("办公费", "4.00"), ("公务用车运行维护费", "6.00")]
    assert run(_named(basic) + [dict(tp, amount=Decimal("6.00"))], "XB11_09_VEHICLE").status == "pass"
    out = run(_named(basic) + [dict(tp, amount=Decimal("5.00"))], "XB11_09_VEHICLE")
    assert out.status == "fail" and out.findings[0].expected == Decimal("6.00")
