"""Sums over departments: 汇总 or 本级 + units, never both.

The synthetic sample publishes, beside each department's 汇总 决算, a 本级 document for six
departments.  Extract the 2022 汇总 and 本级 documents of those six (plus two departments with
a 汇总 only), load them, build the marts, and sum 支出决算表 by 类 over departments the
documented way (``mart_department_total``): the result equals the ground truth of the 汇总
documents, while a naive sum over every loaded line counts the 本级 money twice.
"""
from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from extract.api import extract_many
from tests.conftest import settings_for
from tests.test_dbt_build import run_dbt
from warehouse.load import load_extracted

pytestmark = pytest.mark.slow  # extraction of 14 PDFs and a dbt build: ~2.5 min

SYNTH = Path(__file__).resolve().parents[1] / "corpus" / "sample" / "synthetic"
YEAR = 2022


def _stems() -> list[str]:
    own = sorted(p.stem for p in SYNTH.glob(f"{YEAR}_*_bj.pdf"))
    depts = {s.split("_")[1] for s in own}
    others = sorted(p.stem for p in SYNTH.glob(f"{YEAR}_*_hz.pdf") if p.stem.split("_")[1] not in depts)[:2]
    return own + [f"{YEAR}_{d}_hz" for d in sorted(depts)] + others


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    stems = _stems()
    if len(stems) < 4:
        pytest.skip("synthetic sample without 本级 documents")
    work = tmp_path_factory.mktemp("totals")
    settings = settings_for(work / "data")
    settings.ensure_dirs()
    extract_many([SYNTH / f"{s}.pdf" for s in stems], settings.extracted_dir, workers=1, timeout_s=300)
    load_extracted(settings)
    run_dbt(["build", "--select", "+mart_department_total", "+mart_level_reconciliation", "+dim_department",
             "+dim_document", "--indirect-selection", "cautious"],
            settings.duckdb_path, work)
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    truths = {s: json.loads((SYNTH / f"{s}.truth.json").read_text(encoding="utf-8")) for s in stems}
    yield con, truths
    con.close()


def _by_class(truth: dict) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for t in truth["tables"]:
        if t["table_name"] == "expenditure":
            for c in t["cells"]:
                code = c.get("subject_code") or ""
                if len(code) == 3 and c["measure"] == "expenditure_total" and c["value"] is not None:
                    out[code] = Decimal(c["value"])
    return out


def test_documents_carry_their_level(warehouse):
    con, truths = warehouse
    rows = con.execute("select file_name, scope, department_level, parent_department_name, department_name "
                       "from dim_document").fetchall()
    for file_name, scope, level, parent, dept in rows:
        want = truths[Path(file_name).stem]["document"]
        assert scope == want["scope"], file_name
        assert level == {"consolidated": "汇总", "own": "本级"}[want["scope"]]
        if want["scope"] == "own":
            assert parent == want["parent_department"] and dept == want["parent_department"]
    own = con.execute("select department_name, own_document_count, consolidated_document_count from dim_department "
                      "where own_document_count > 0").fetchall()
    assert len(own) == 6 and all(n == 1 and c == 1 for _, n, c in own)


def test_sum_over_departments_equals_the_truth(warehouse):
    con, truths = warehouse
    want: dict[str, Decimal] = defaultdict(Decimal)
    for stem, truth in truths.items():
        if truth["document"]["scope"] == "consolidated":
            for code, value in _by_class(truth).items():
                want[code] += value
    got = dict(con.execute("""
        select subject_code, sum(amount) from mart_department_total
        where table_name = 'expenditure' and measure = 'expenditure_total' and subject_level = 1
          and doc_kind = 'final' and fiscal_year = ?
        group by subject_code""", [YEAR]).fetchall())
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in want.items() if v}
    assert {r[0] for r in con.execute("select distinct source_level from mart_department_total").fetchall()} == {"汇总"}
    # what the schema used to invite: every loaded line added up counts the 本级 money twice
    naive = con.execute("""
        select sum(amount) from fct_fiscal_line
        where table_name = 'expenditure' and measure = 'expenditure_total' and subject_level = 1
          and fiscal_year = ?""", [YEAR]).fetchone()[0]
    assert naive > sum(want.values())


def test_parts_never_exceed_the_whole_in_a_clean_sample(warehouse):
    con, _ = warehouse
    rows = con.execute("select department_name, table_name, row_key, measure, parts_minus_consolidated "
                       "from mart_level_reconciliation where parts_exceed_whole").fetchall()
    assert con.execute("select count(*) from mart_level_reconciliation").fetchone()[0] > 0
    # the sample's injected defects may make a 本级 line print more than its 汇总: those are findings,
    # and they must be few
    assert len(rows) <= 10, rows
