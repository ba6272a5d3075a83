"""Which assets a night materializes: every one, or — when the code is the last complete night's —
all but the dbt views and seeds, which only code changes (dagster_project/defs/night.py)."""
from __future__ import annotations

from types import SimpleNamespace

import dagster as dg
import duckdb

from dagster_project.defs.night import UNCHANGING, night_selection, unchanged_dbt_keys
from warehouse.incremental import CODE_KEY, STATE_TABLE, code_fingerprint, last_code
from warehouse.schema import ensure_tables


def _manifest() -> dict:
    return {"nodes": {
        "model.p.stg_a": {"resource_type": "model", "name": "stg_a", "config": {"materialized": "view"}},
        "model.p.fct_b": {"resource_type": "model", "name": "fct_b", "config": {"materialized": "incremental"}},
        "model.p.dim_c": {"resource_type": "model", "name": "dim_c", "config": {"materialized": "table"}},
        "seed.p.codes": {"resource_type": "seed", "name": "codes", "config": {"materialized": "seed"}},
        "test.p.unique_b": {"resource_type": "test", "name": "unique_b", "config": {"materialized": "test"}},
    }}


def test_views_and_seeds_are_the_unchanging_nodes():
    keys = [dg.AssetKey(["main", n]) for n in ("stg_a", "fct_b", "dim_c", "codes")]
    dbt_defs = SimpleNamespace(keys=keys)
    assert {k.path[-1] for k in unchanged_dbt_keys(_manifest(), dbt_defs)} == {"stg_a", "codes"}
    assert unchanged_dbt_keys(_manifest(), None) == []
    assert UNCHANGING == ("view", "seed")


def _settings(tmp_path, code: str | None):
    tmp_path.mkdir(parents=True, exist_ok=True)
    db = tmp_path / "build.duckdb"
    con = duckdb.connect(str(db))
    ensure_tables(con, [STATE_TABLE])
    if code is not None:
        con.execute(f"INSERT INTO raw.{STATE_TABLE} VALUES (?, ?, NULL, NULL)", [CODE_KEY, code])
    con.close()
    from warehouse.settings import Settings

    return SimpleNamespace(duckdb_path=db, dbt_project_dir=Settings.from_env().dbt_project_dir)


def test_the_selection_leaves_out_views_and_seeds_only_when_the_code_is_last_nights(tmp_path):
    from dagster_project.definitions import defs

    every = list(defs.resolve_all_asset_keys())
    current = _settings(tmp_path / "a", code_fingerprint())
    assert last_code(current.duckdb_path) == code_fingerprint()
    chosen = night_selection(current, every)
    names = {k.path[-1] for k in chosen}
    assert {"raw_warehouse", "dq_rules", "fct_fiscal_line", "quality_reports", "published_warehouse"} <= names
    assert "stg_document" not in names and "department_aliases" not in names and "int_document" not in names
    assert len(chosen) < len(every)

    assert night_selection(current, every, full_refresh=True) is None  # --full-refresh: everything
    assert night_selection(_settings(tmp_path / "b", "older code"), every) is None  # code changed
    assert night_selection(_settings(tmp_path / "c", None), every) is None  # no complete night yet
    missing = SimpleNamespace(duckdb_path=tmp_path / "none.duckdb", dbt_project_dir=current.dbt_project_dir)
    assert night_selection(missing, every) is None  # no build file at all
