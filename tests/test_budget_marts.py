"""Budget vs final marts on the synthetic corpus, against its ground truth.

The pipeline (``fiscal run``: extract → load → rules → dbt → publish) is run on the 决算 (``_hz``)
and 部门预算 (``_ys``) PDFs of a few departments of corpus/sample/synthetic, and every row of
mart_budget_execution (一般公共预算: budget table 08 vs final table 05, every 科目 and 合计),
mart_budget_execution_series and mart_three_public_budget_final is compared with what the truth
JSON of the same PDFs says: budget, final, difference and execution rate, exactly.

``FISCAL_TEST_BUDGET_DEPTS=all`` runs it on every department (slow: ~200 PDFs); a comma-separated
list of department keys picks others.  The default set has both cross-document defects of the
sample (2023 发展和改革委员会 narrative, 2022 财政局 三公), a department printing in 元 (档案馆)
and one with 政府性基金 (自然资源局 when present).
"""
from __future__ import annotations

import json
import os
import shutil
import warnings
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import pytest

from tests.conftest import FISCAL_VARS
from warehouse.settings import environment

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "corpus" / "sample" / "synthetic"
DEFAULT_DEPTS = ("ndrc", "fin", "arch")
Q6 = Decimal("0.000001")

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not list(SAMPLE.glob("*_ys.pdf")), reason="budget sample missing")]


def _departments() -> list[str]:
    want = os.environ.get("FISCAL_TEST_BUDGET_DEPTS", "")
    if want == "all":
        return sorted({p.name.split("_")[1] for p in SAMPLE.glob("*_ys.pdf")})
    return [d for d in (want.split(",") if want else DEFAULT_DEPTS) if d]


def _truth(stem: str) -> dict:
    return json.loads((SAMPLE / f"{stem}.truth.json").read_text(encoding="utf-8"))


def _cells(truth: dict, table: str) -> dict[tuple[str, str, str], Decimal | None]:
    out = {}
    for t in truth["tables"]:
        if t["table_name"] == table:
            for c in t["cells"]:
                out[(c["row_key"], c["measure"], c["phase"])] = None if c["value"] is None else Decimal(c["value"])
    return out


def _rate(final: Decimal | None, budget: Decimal | None) -> Decimal | None:
    if final is None or not budget:
        return None
    with localcontext() as ctx:
        ctx.prec = 50
        return (final / budget).quantize(Q6, rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    import dagster as dg

    from dagster_project import cli

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    tmp = tmp_path_factory.mktemp("budget_marts")
    landing = tmp / "landing"
    landing.mkdir()
    stems = []
    for dept in _departments():
        for kind in ("hz", "ys"):
            for pdf in sorted(SAMPLE.glob(f"20*_{dept}_{kind}.pdf")):
                shutil.copy(pdf, landing / pdf.name)
                stems.append(pdf.stem)
    with environment({**dict.fromkeys(FISCAL_VARS), "FISCAL_HOME": str(tmp / "home"), "FISCAL_WORKERS": "4"}):
        assert cli.main(["run", "--landing", str(landing)]) == 0
    import duckdb

    con = duckdb.connect(str(tmp / "home" / "warehouse.duckdb"), read_only=True)
    yield con, sorted(stems)
    con.close()


def _rows(con, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _pairs(stems: list[str]):
    """(department name, year, final truth, budget truth) of every 决算 with a 部门预算."""
    for s in stems:
        if s.endswith("_hz") and s[:-3] + "_ys" in stems:
            final, budget = _truth(s), _truth(s[:-3] + "_ys")
            assert final["document"]["department_name"] == budget["document"]["department_name"]
            yield final["document"]["department_name"], final["document"]["fiscal_year"], final, budget


def test_budget_execution_matches_truth(warehouse):
    con, stems = warehouse
    got = {(r["department_name"], r["fiscal_year"], r["row_key"]): r for r in _rows(con, """
        select * from mart_budget_execution
        where table_name = 'general_budget_expenditure' and measure = 'expenditure_total' and scope = 'consolidated'""")}
    want = {}
    for dept, year, final, budget in _pairs(stems):
        f = _cells(final, "general_budget_expenditure")
        b = _cells(budget, "budget_general_expenditure")
        for (row_key, measure, _), fv in f.items():
            if measure != "expenditure_total" or (row_key, "amount", "budget") not in b:
                continue
            bv = b[(row_key, "amount", "budget")]
            want[(dept, year, row_key)] = (bv, fv, None if fv is None or bv is None else fv - bv, _rate(fv, bv))
    assert want and len({k[:2] for k in want}) == len(list(_pairs(stems)))
    assert sum(1 for k in want if len(k[2]) == 3) >= 2 * len({k[:2] for k in want})  # 类 rows of every year
    assert set(got) == set(want)
    for key, (bv, fv, diff, rate) in want.items():
        r = got[key]
        assert (r["budget_amount"], r["final_amount"], r["final_minus_budget"], r["execution_rate"]) == \
            (bv, fv, diff, rate), key


def test_budget_execution_series_links_the_years(warehouse):
    con, stems = warehouse
    rows = _rows(con, "select * from mart_budget_execution_series where scope = 'consolidated'")
    exe = {(r["department_name"], r["fiscal_year"], r["row_key"]): r for r in _rows(con, """
        select * from mart_budget_execution
        where table_name = 'general_budget_expenditure' and measure = 'expenditure_total' and scope = 'consolidated'
          and (row_key = '合计' or subject_level = 1)""")}
    assert {(r["department_name"], r["fiscal_year"], r["row_key"]) for r in rows} == set(exe)
    by = {(r["department_name"], r["fiscal_year"], r["row_key"]): r for r in rows}
    linked = 0
    for (dept, year, row_key), r in by.items():
        assert r["budget_amount"] == exe[(dept, year, row_key)]["budget_amount"]
        prev = by.get((dept, year - 1, row_key))
        if prev is None:
            assert r["previous_fiscal_year"] is None or r["previous_fiscal_year"] < year - 1
            continue
        assert r["previous_fiscal_year"] == year - 1
        assert r["previous_budget_amount"] == prev["budget_amount"]
        assert r["final_change"] == r["final_amount"] - prev["final_amount"]
        linked += 1
    assert linked >= 2 * len(_departments())


def test_three_public_budget_vs_final_matches_truth(warehouse):
    con, stems = warehouse
    got = {(r["department_name"], r["fiscal_year"], r["item"]): r for r in _rows(con, """
        select * from mart_three_public_budget_final where scope = 'consolidated'""")}
    disagree = set()
    for dept, year, final, budget in _pairs(stems):
        f = _cells(final, "three_public")
        b = _cells(budget, "budget_three_public")
        for (_, item, _), bv in b.items():
            r = got[(dept, year, item)]
            assert r["budget_doc_amount"] == bv, (dept, year, item)
            if ("三公经费", item, "final") in f:
                fb, ff = f[("三公经费", item, "budget")], f[("三公经费", item, "final")]
                assert (r["final_doc_budget_amount"], r["final_amount"]) == (fb, ff), (dept, year, item)
                assert r["final_minus_budget"] == (None if ff is None or bv is None else ff - bv)
                assert r["execution_rate"] == _rate(ff, bv)
                if (fb or 0) != (bv or 0):
                    disagree.add((dept, year, item))
        labelled = {(dept, year) for d in final["defects"] if d["kind"] == "three_public_budget_vs_budget_doc"}
        assert {(x, y) for x, y, _ in disagree if (x, y) == (dept, year)} == labelled
