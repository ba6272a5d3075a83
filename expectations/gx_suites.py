"""Great Expectations (GX 1.x) suites over the raw tables and the marts.

Suites are data (``expectations/suites/*.yaml``): the SQL that reads the table, the
DuckDB column types it must have, and GX expectations by class name with their
arguments.  Tables are read into pandas with DuckDB and validated as dataframe batches
(GX over SQLAlchemy-on-DuckDB is unreliable), in an ephemeral GX context whose Data Docs
site is ``settings.reports_dir / "gx"``.

Column types are checked against DuckDB's own catalog (a one-row frame of the declared
columns' types, suite ``<name>_types``) because pandas dtypes lose them (DECIMAL arrives
as float64).

``validate_all(settings, documents=None) -> {"success", "suites": {name: {...statistics}}, "data_docs"}``.
A suite whose table does not exist yet (marts before dbt ran) is reported with
``success: None`` and ``skipped``: it neither passes nor fails.

``documents``: tonight's affected documents on an incremental night (warehouse/incremental.py).
A suite that declares ``scoped_by: <column>`` then reads only those documents' rows: the other
rows did not change since the night that validated them. None: every row.

GX's own Data Docs site is built once, after every suite ran (a ``UpdateDataDocsAction`` on each
checkpoint rebuilds the whole site every time: with 8 suites, 8 site builds, most of GX's time).

great_expectations is imported inside the functions: the import alone takes seconds.
"""
from __future__ import annotations

import csv
import logging
import re
import shutil
from pathlib import Path
from typing import Any

import yaml

from warehouse.db import connect_for_reading, fetch_scalar, qident, table_exists

HERE = Path(__file__).resolve().parent
SUITES_DIR = HERE / "suites"
CATALOG_DIR = HERE.parent / "extract" / "catalog"


def load_suites(folder: Path = SUITES_DIR) -> list[dict[str, Any]]:
    suites = []
    for path in sorted(folder.glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec.setdefault("name", path.stem)
        suites.append(spec)
    return suites


def _tokens() -> dict[str, list[Any]]:
    """Values a suite may refer to as "@name"."""
    from expectations.rules import load_rules, table_catalog

    with open(CATALOG_DIR / "measures.csv", encoding="utf-8") as fh:
        measures = list(csv.DictReader(fh))
    return {
        "@measures": [m["measure"] for m in measures],
        "@expenditure_measures": [m["measure"] for m in measures if m["direction"] == "expenditure"],
        "@rule_ids": [r.id for r in load_rules()],
        "@table_names": [*table_catalog(), "unmapped"],
    }


def _resolve(value: Any, tokens: dict[str, list[Any]]) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        return tokens[value]
    if isinstance(value, list):
        return [_resolve(v, tokens) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, tokens) for k, v in value.items()}
    return value


def _relation(query: str) -> tuple[str, str] | None:
    m = re.search(r"\bFROM\s+([A-Za-z_]+)\.([A-Za-z_]+)", query, re.I)
    return (m.group(1), m.group(2)) if m else None


def _documents_exist(con, documents: list[str] | None = None) -> bool:
    """An extracted document exists (among ``documents`` when given): row-count expectations apply."""
    if not table_exists(con, "raw", "document"):
        return False
    if documents is None:
        return bool(fetch_scalar(con, "SELECT count(*) FROM raw.document WHERE status = ?", ["extracted"]))
    return bool(fetch_scalar(con, "SELECT count(*) FROM raw.document WHERE status = ? "
                                  "AND document_id IN (SELECT unnest(?::VARCHAR[]))", ["extracted", documents]))


def scoped_query(spec: dict[str, Any], params: list[Any], documents: list[str] | None) -> tuple[str, list[Any]]:
    """The suite's query, restricted to ``documents`` when the suite is scoped by a document column."""
    column = spec.get("scoped_by")
    if documents is None or not column:
        return spec["query"], params
    if not re.fullmatch(r"[a-z_]+", column):
        raise ValueError(f"suite {spec.get('name')}: scoped_by must be a column name, not {column!r}")
    query = spec["query"]  # SQL text of the suite catalog (code, like the rule catalog's)
    return (f"SELECT * FROM ({query}) AS suite WHERE {qident(column)} IN (SELECT unnest(?::VARCHAR[]))",
            [*params, documents])


def _types_frame(con, schema: str, table: str, declared: dict[str, str]):
    import pandas as pd

    actual = dict(con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
        [schema, table]).fetchall())
    return pd.DataFrame([{col: actual.get(col, "(missing)") for col in declared}])


def _quiet_gx(context) -> None:
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    try:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context.variables.progress_bars = ProgressBarsConfig(globally=False)
    except Exception:  # progress bars are cosmetic
        pass


def _statistics(vr) -> dict[str, Any]:
    every = []
    for r in vr.results:
        cfg = r.expectation_config
        kw = cfg.kwargs
        what = kw.get("column") or ",".join(kw.get("column_list") or []) or ""
        res = r.result or {}
        every.append({
            "expectation": cfg.type, "column": what, "success": bool(r.success),
            "unexpected_count": res.get("unexpected_count"), "observed_value": _plain(res.get("observed_value")),
            "partial_unexpected_list": [_plain(x) for x in (res.get("partial_unexpected_list") or [])[:10]],
        })
    failed = [{k: v for k, v in e.items() if k != "success"} for e in every if not e["success"]]
    stats = vr.statistics
    return {
        "success": bool(vr.success),
        "evaluated_expectations": stats.get("evaluated_expectations"),
        "successful_expectations": stats.get("successful_expectations"),
        "unsuccessful_expectations": stats.get("unsuccessful_expectations"),
        "success_percent": stats.get("success_percent"),
        "failed": failed,
        "expectations": every,  # for the offline page (gx_docs)
    }


def _plain(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)


def validate_all(settings, suites: list[dict[str, Any]] | None = None,
                 documents: list[str] | None = None) -> dict[str, Any]:
    """Run every suite over ``settings.duckdb_path`` (the scoped ones over ``documents`` only, when
    given); build Data Docs under ``reports_dir/gx``."""
    import os

    # the pipeline makes no network calls: GX's analytics events are off unless asked for
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    suites = load_suites() if suites is None else suites
    docs_dir = Path(settings.reports_dir) / "gx"
    shutil.rmtree(docs_dir / "validations", ignore_errors=True)  # Data Docs show this run only
    docs_dir.mkdir(parents=True, exist_ok=True)
    tokens = _tokens()

    context = gx.get_context(mode="ephemeral")
    _quiet_gx(context)
    context.add_data_docs_site(site_name="fiscal", site_config={
        "class_name": "SiteBuilder",
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
    })
    source = context.data_sources.add_pandas(name="fiscal_duckdb")

    con = connect_for_reading(settings.duckdb_path)
    out: dict[str, dict[str, Any]] = {}
    try:
        docs_exist = _documents_exist(con, documents)
        # one suite's data in memory at a time: a prefecture's table_cell frame is large
        for spec in suites:
            name = spec["name"]
            rel = _relation(spec["query"])
            if rel is None or not table_exists(con, *rel):
                out[name] = {"success": None, "skipped": f"{'.'.join(rel) if rel else spec['query']} does not exist"}
                continue
            query, params = scoped_query(spec, _resolve(spec.get("params") or [], tokens), documents)
            frame = con.execute(query, params).df()
            out[name] = _run_suite(context, source, name, frame, _expectations(spec, tokens, docs_exist),
                                   spec.get("description"))
            del frame
            if spec.get("column_types"):
                types = _types_frame(con, *rel, spec["column_types"])
                out[f"{name}_types"] = _run_suite(context, source, f"{name}_types", types, [
                    gx.expectations.ExpectColumnValuesToBeInSet(column=col, value_set=[t])
                    for col, t in spec["column_types"].items()], spec.get("description"))
                del types
    finally:
        con.close()
    context.build_data_docs(site_names=["fiscal"])  # once, every validation of this run
    # GX's pages need CDNs; index.html becomes our self-contained page of these results
    from expectations.gx_docs import write_offline_docs

    descriptions = {s["name"]: (s.get("description") or "") + (
        f"（增量之夜：只校验今晚受影响的 {len(documents)} 份文件的行）" if documents is not None and s.get("scoped_by") else "")
        for s in suites}
    descriptions.update({f"{n}_types": f"{n} 的列类型（DuckDB 目录中的声明类型）" for n in list(descriptions)})
    index = write_offline_docs(docs_dir, out, descriptions)
    ran = [v for v in out.values() if v.get("success") is not None]
    return {
        "success": all(v["success"] for v in ran),
        "documents_in_scope": None if documents is None else len(documents),
        "suites": out,
        "data_docs": str(index) if index.exists() else None,
    }


def _expectations(spec: dict[str, Any], tokens: dict[str, list[Any]], docs_exist: bool) -> list[Any]:
    import great_expectations.expectations as gxe

    out = []
    for e in spec.get("expectations") or []:
        if e.get("when") == "documents_exist" and not docs_exist:
            continue
        cls = getattr(gxe, e["type"])
        out.append(cls(**_resolve(e.get("kwargs") or {}, tokens)))
    return out


def _run_suite(context, source, name: str, frame, expectations: list[Any], description: str | None) -> dict[str, Any]:
    import great_expectations as gx

    asset = source.add_dataframe_asset(name=name)
    batch_definition = asset.add_batch_definition_whole_dataframe(f"{name}_all")
    suite = context.suites.add(gx.ExpectationSuite(name=name, meta={"notes": description or ""}))
    for e in expectations:
        suite.add_expectation(e)
    vd = context.validation_definitions.add(gx.ValidationDefinition(data=batch_definition, suite=suite, name=name))
    checkpoint = context.checkpoints.add(gx.Checkpoint(
        name=f"{name}_checkpoint", validation_definitions=[vd],
        actions=[],  # the Data Docs site is built once, after the last suite (validate_all)
        result_format={"result_format": "SUMMARY"},
    ))
    result = checkpoint.run(batch_parameters={"dataframe": frame})
    vr = next(iter(result.run_results.values()))
    stats = _statistics(vr)
    stats["rows"] = int(len(frame))
    return stats
