"""The warehouse built from bundled PDFs answers with the ground truth.

One pipeline run (``fiscal run``: extraction → load → rules → dbt → GX → reports →
publish) over the seed and three years of one clean synthetic department; then every
cell of the seed's nine tables is looked up in ``fct_fiscal_line`` and the README's
example questions are checked against the truth files.
"""
from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.conftest import FISCAL_VARS
from warehouse.settings import environment

pytestmark = pytest.mark.slow  # the module's fixture runs the whole pipeline once

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "corpus" / "sample"


def _truth(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _clean_department() -> list[Path]:
    """Three years (汇总 决算) of the first synthetic department without injected defects."""
    by_dept: dict[str, list[Path]] = {}
    for p in sorted((SAMPLE / "synthetic").glob("20*_*_hz.truth.json")):
        by_dept.setdefault(p.name.split("_")[1], []).append(p)
    for dept, paths in sorted(by_dept.items()):
        if len(paths) == 3 and not any(_truth(p).get("defects") for p in paths):
            return paths
    pytest.skip("no clean three-year department in the synthetic sample")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    from dagster_project import cli

    home = tmp_path_factory.mktemp("truth") / "home"
    landing = home / "landing"
    landing.mkdir(parents=True)
    truths = [SAMPLE / "seed" / "yanbian-2023-final.truth.json"] + _clean_department()
    for t in truths:
        shutil.copy2(t.parent / _truth(t)["file"], landing / _truth(t)["file"])
    with environment({**dict.fromkeys(FISCAL_VARS), "FISCAL_HOME": str(home)}):
        assert cli.main(["run"]) == 0
        # a night with no new files: nothing is rebuilt, the published warehouse stays as it is
        published = home / "warehouse.duckdb"
        before = published.stat().st_mtime_ns

        def no_job(*_args, **_kwargs):
            raise AssertionError("a night without new files ran the refresh job")

        with pytest.MonkeyPatch.context() as mp:  # behavioural, not a wall-time bound
            mp.setattr(cli, "execute_refresh", no_job)
            assert cli.main(["run"]) == 0
        assert published.stat().st_mtime_ns == before
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    yield con, {t.name: _truth(t) for t in truths}
    con.close()


def _doc_id(con, file_name: str) -> str:
    return con.execute("select document_id from dim_document where file_name = ?", [file_name]).fetchone()[0]


def _dec(v) -> Decimal | None:
    return None if v is None else Decimal(v)


def test_every_seed_cell_is_in_fct_fiscal_line(warehouse):
    con, truths = warehouse
    truth = truths["yanbian-2023-final.truth.json"]
    doc = _doc_id(con, truth["file"])
    rows = con.execute(
        "select table_name, row_key, measure, coalesce(phase, ''), amount, source_page from fct_fiscal_line "
        "where document_id = ?", [doc]).fetchall()
    got = {(t, r, m, p): a for t, r, m, p, a, _ in rows}
    assert all(page >= 1 for *_, page in rows)
    checked = 0
    for table in truth["tables"]:
        for c in table["cells"]:
            phase = c["phase"] if table["table_name"] == "three_public" else None
            keys = [k for k in got if k[:3] == (table["table_name"], c["row_key"], c["measure"])
                    and (phase is None or k[3] == phase)]
            assert keys, (table["table_name"], c["row_key"], c["measure"])
            assert got[keys[0]] == _dec(c["value"]), (table["table_name"], c["row_key"], c["measure"])
            checked += 1
    assert checked > 600


def _cell(truth: dict, table: str, row_key: str, measure: str, phase: str | None = None) -> Decimal | None:
    for t in truth["tables"]:
        if t["table_name"] == table:
            for c in t["cells"]:
                if c["row_key"] == row_key and c["measure"] == measure and (phase is None or c["phase"] == phase):
                    return _dec(c["value"])
    raise KeyError((table, row_key, measure))


def test_three_public_trend_question(warehouse):
    con, truths = warehouse
    for name, truth in truths.items():
        doc = _doc_id(con, truth["file"])
        got = con.execute(
            "select budget_amount, final_amount from fct_three_public "
            "where document_id = ? and item = 'three_public_total'", [doc]).fetchone()
        assert got == (_cell(truth, "three_public", "三公经费", "three_public_total", "budget"),
                       _cell(truth, "three_public", "三公经费", "three_public_total", "final")), name


def test_personnel_share_question(warehouse):
    con, truths = warehouse
    for name, truth in truths.items():
        doc = _doc_id(con, truth["file"])
        personnel, public, share = con.execute(
            "select personnel_expenditure, public_expenditure, personnel_share_of_basic "
            "from mart_department_year_summary where list_contains(document_ids, ?)", [doc]).fetchone()
        want_personnel = _cell(truth, "general_budget_basic_expenditure", "人员经费合计", "amount")
        want_public = _cell(truth, "general_budget_basic_expenditure", "公用经费合计", "amount")
        assert (personnel, public) == (want_personnel, want_public), name
        assert abs(Decimal(str(share)) - want_personnel / (want_personnel + want_public)) < Decimal("0.000001")


def test_year_on_year_change_question(warehouse):
    con, truths = warehouse
    synthetic = sorted((t for n, t in truths.items() if n.startswith("20")), key=lambda t: t["document"]["fiscal_year"])
    totals = [_cell(t, "expenditure", "合计", "expenditure_total") for t in synthetic]
    for prev, cur, truth in zip(totals, totals[1:], synthetic[1:]):
        doc = _doc_id(con, truth["file"])
        change, previous = con.execute(
            "select expenditure_total_change, expenditure_total_previous_year "
            "from mart_department_year_summary where list_contains(document_ids, ?)", [doc]).fetchone()
        assert (previous, change) == (prev, cur - prev)
