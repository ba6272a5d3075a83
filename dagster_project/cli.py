"""``fiscal``: the pipeline from a terminal, without the Dagster UI.

    fiscal run [--landing DIR] [--sample] [--force] [--full-refresh]   the same job the sensor/schedule run
    fiscal extract FILE.pdf [--format json|csv] [--out DIR]   one PDF's records, for inspection
    fiscal debug-page FILE.pdf PAGE --out page.png     what the extractor saw on one page
    fiscal status [--status S] [--department D] [--year Y] [--file F]   the registry of the published warehouse

Paths come from the ``FISCAL_*`` environment variables (warehouse/settings.py). Runs are
recorded in the Dagster instance at ``$DAGSTER_HOME`` (default ``$FISCAL_HOME/.dagster``),
so ``dagster dev`` pointed at the same home shows them.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import unicodedata
import warnings
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = REPO_ROOT / "corpus" / "sample"


def _settings():
    from warehouse.settings import Settings

    return Settings.from_env()


def _instance(settings):
    """A persistent instance under settings.home unless DAGSTER_HOME says otherwise."""
    import dagster as dg

    home = Path(os.environ.get("DAGSTER_HOME") or settings.home / ".dagster")
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():  # the project's instance settings (one run at a time)
        shutil.copy(Path(__file__).with_name("dagster.yaml"), home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return dg.DagsterInstance.get()


def copy_sample(landing_dir: Path, sample_dir: Path = SAMPLE_DIR) -> list[Path]:
    """Copy the bundled sample PDFs (corpus/sample/**/*.pdf) into the landing folder."""
    copied = []
    for src in sorted(sample_dir.rglob("*.pdf")) if sample_dir.exists() else []:
        dst = landing_dir / src.relative_to(sample_dir)
        if dst.exists() and dst.stat().st_size == src.stat().st_size:
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
        copied.append(dst)
    return copied


# --------------------------------------------------------------------------- run


def register_landing(instance, settings) -> tuple[list[str], list[str]]:
    """Add a ``documents`` partition for every new file (what the sensor does); return (all, new)."""
    from dagster_project.defs import landing
    from dagster_project.defs.partitions import DOCUMENTS_PARTITION
    from dagster_project.defs.sensors import new_document_keys

    files, state = landing.scan(settings)
    landing.save_state(settings, state)
    known = set(instance.get_dynamic_partitions(DOCUMENTS_PARTITION))
    new = new_document_keys(known, files)
    if new:
        instance.add_dynamic_partitions(DOCUMENTS_PARTITION, new)
    return instance.get_dynamic_partitions(DOCUMENTS_PARTITION), new


def execute_refresh(instance, *, force: bool = False, full_refresh: bool = False, progress: bool = True,
                    log_level: str = "WARNING"):
    """Run ``fiscal_refresh`` in this process over every known document; returns the result.

    Rules, dbt and reports recompute only what changed since the last complete run (the night
    plan, warehouse/incremental.py); ``full_refresh`` recomputes everything after extraction,
    ``force`` re-extracts every document too."""
    from dagster_project.definitions import defs
    from dagster_project.defs.jobs import REFRESH_JOB
    from dagster_project.defs.night import FULL_REFRESH_TAG, extraction_scope, night_selection
    from dagster_project.defs.partitions import DOCUMENTS_PARTITION, range_tags
    from dagster_project.defs.schedules import full_refresh_tags

    keys = instance.get_dynamic_partitions(DOCUMENTS_PARTITION)
    if not keys:
        raise SystemExit("no documents: the landing folder is empty (try --sample)")
    settings = _settings()
    scope = extraction_scope(settings, keys, force=force)
    job = defs.resolve_job_def(REFRESH_JOB)
    return job.execute_in_process(
        instance=instance,
        # the dbt views and seeds are left out when the code is last night's (defs/night.py)
        asset_selection=night_selection(settings, defs.resolve_all_asset_keys(), full_refresh=full_refresh or force),
        tags={**(full_refresh_tags(keys) if scope == keys else range_tags(scope)), "fiscal/trigger": "cli",
              **({FULL_REFRESH_TAG: "true"} if full_refresh or force else {})},
        run_config={
            # run config, not a resources= override: with an asset selection Dagster rebuilds the
            # job and refuses a resource object other than the one the assets were bound to
            "resources": {"fiscal": {"config": {"progress_bars": progress}}},
            "loggers": {"console": {"config": {"log_level": log_level}}},
            "ops": {"document_extraction": {"config": {"force": force}}},
        },
        raise_on_error=False,
    )


def format_table(columns: list[str], rows: list[tuple], max_width: int = 60) -> str:
    def cell(v) -> str:
        s = "" if v is None else str(v).replace("\n", " ")
        return s if len(s) <= max_width else s[: max_width - 1] + "…"

    def width(s: str) -> int:  # CJK characters take two terminal columns
        return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in s)

    body = [[cell(v) for v in r] for r in rows]
    widths = [max([width(c)] + [width(r[i]) for r in body]) for i, c in enumerate(columns)]
    line = lambda vals: "  ".join(v + " " * (w - width(v)) for v, w in zip(vals, widths)).rstrip()  # noqa: E731
    return "\n".join([line(columns), line(["-" * w for w in widths]), *(line(r) for r in body)])


def summary(settings, result=None) -> str:
    """What a person wants after a run: loaded, quarantined and why, findings, where things are."""
    from warehouse.db import file_has_table, query_file

    out: list[str] = []
    if result is not None:
        out.append(f"run {result.run_id[:8]}: {'succeeded' if result.success else 'FAILED'}")
        failed_steps = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        if failed_steps:
            out.append("  failed steps: " + ", ".join(sorted(set(failed_steps))))
        checks = [c for c in result.get_asset_check_evaluations() if not c.passed]
        if checks:
            out.append("  checks not passed: " + ", ".join(
                f"{c.asset_check_key.asset_key.to_user_string()}/{c.asset_check_key.name} ({c.severity.value})"
                for c in checks))
    db = settings.published_path if settings.published_path.exists() else settings.duckdb_path
    if not db.exists():
        out.append("no warehouse yet")
        return "\n".join(out)
    if file_has_table(db, "raw", "document_registry"):
        _, rows = query_file(db, "select status, count(*) from raw.document_registry group by 1 order by 1")
        held = (query_file(db, "select count(distinct document_id) from raw.document_hold")[1][0][0]
                if file_has_table(db, "raw", "document_hold") else 0)
        out.append("documents: " + (", ".join(f"{s} {n}" + (f" (of which held back {held})" if s == "loaded" and held else "")
                                              for s, n in rows) or "none"))
        cols, rows = query_file(db, "select file_path, error_code, reason from raw.document_registry "
                                "where status = 'quarantined' order by file_path")
        if rows:
            out.append("quarantined:")
            out.extend(f"  {r[0]}: [{r[1] or '-'}] {r[2] or ''}" for r in rows)
    if file_has_table(db, "raw", "document_hold"):
        _, rows = query_file(db, "select any_value(r.file_path), string_agg(h.test_name, ', ' order by h.test_name), "
                             "any_value(h.message) from raw.document_hold h left join raw.document_registry r "
                             "using (document_id) group by h.document_id order by 1")
        if rows:
            out.append(f"held back (a dbt data test failed on their rows; the other documents are published): {len(rows)}")
            out.extend(f"  {r[0]}: [{r[1]}] {r[2]}" for r in rows)
    if file_has_table(db, "raw", "refused_file"):
        _, rows = query_file(db, "select file_path, error_code, reason from raw.refused_file order by file_path")
        if rows:
            out.append(f"refused landing files (not read): {len(rows)}")
            out.extend(f"  {r[0]}: [{r[1]}] {r[2]}" for r in rows)
    if file_has_table(db, "raw", "dq_finding"):
        _, rows = query_file(db, "select coalesce(severity, '?'), count(*) from raw.dq_finding group by 1")
        out.append(checks_line(dict(rows), settings.reports_dir))
    out.append(f"warehouse (analysts): {settings.published_path}"
               + ("" if settings.published_path.exists() else "  (not published yet)"))
    reports = sorted(p for p in settings.reports_dir.glob("*") if not p.name.startswith(".")) if settings.reports_dir.exists() else []
    out.append(f"reports: {settings.reports_dir}" + (f"  ({', '.join(p.name for p in reports[:8])})" if reports else ""))
    return "\n".join(out)


def checks_line(findings: dict[str, int], reports_dir: Path) -> str:
    """错误 N 处（M 条发现）: defects as the quality report counts them (one per wrong printed cell,
    from the report build's counts.json), each with the findings (failed checks) it explains; by
    findings alone when no report of these findings was built."""
    from reports.build import read_counts
    from reports.data import SEVERITY_ZH

    if not findings:
        return "检查结果：无错误、无提示"
    order = sorted(findings, key=lambda s: (s != "error", s != "warning", s))
    counts = read_counts(reports_dir)
    if counts is None or counts.get("findings") != findings:
        return "检查结果（无本次结果的质量报告，按发现计）：" + "，".join(
            f"{SEVERITY_ZH.get(s, s)} {findings[s]} 条发现" for s in order)
    defects = counts.get("defects", {})
    return "检查结果（同质量报告）：" + "，".join(
        f"{SEVERITY_ZH.get(s, s)} {defects.get(s, 0)} 处（{findings[s]} 条发现）" for s in order)


def cmd_run(args) -> int:
    if args.landing:
        os.environ["FISCAL_LANDING_DIR"] = str(Path(args.landing).expanduser().resolve())
    settings = _settings()
    settings.ensure_dirs()
    if args.sample:
        copied = copy_sample(settings.landing_dir)
        print(f"sample: copied {len(copied)} PDF(s) from {SAMPLE_DIR} into {settings.landing_dir}", file=sys.stderr)
    from dagster_project.defs.night import nothing_changed
    from warehouse.lock import PipelineBusy, pipeline_lock

    try:
        with pipeline_lock(settings):  # one run per FISCAL_HOME; a second one refuses, saying who runs
            instance = _instance(settings)
            keys, new = register_landing(instance, settings)
            print(f"landing {settings.landing_dir}: {len(keys)} document(s), {len(new)} new", file=sys.stderr)
            if not args.force and not args.full_refresh and not new and nothing_changed(settings, keys):
                print("nothing new since the last successful run: the published warehouse is current "
                      "(--full-refresh rebuilds everything after extraction, --force re-extracts too)", file=sys.stderr)
                print(summary(settings))
                return 0
            result = execute_refresh(instance, force=args.force, full_refresh=args.full_refresh,
                                     log_level=args.log_level)
    except PipelineBusy as exc:
        print(f"fiscal run: {exc}", file=sys.stderr)
        return 2
    print(summary(settings, result))
    return 0 if result.success else 1


# --------------------------------------------------------------------------- extract, debug-page, status


def _records_of(doc_dir: Path) -> dict[str, list[dict]]:
    import pyarrow.parquet as pq

    return {p.stem: pq.read_table(p).to_pylist() for p in sorted(doc_dir.glob("*.parquet"))}


def cmd_extract(args) -> int:
    from extract.api import extract_document

    pdf = Path(args.file).expanduser().resolve()
    if not pdf.is_file():
        print(f"no such file: {pdf}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="fiscal-extract-") as tmp:
        manifest = extract_document(pdf, Path(tmp), relative_path=pdf.name)
        records = _records_of(Path(tmp) / manifest["document_id"])
    if args.format == "json":
        text = json.dumps({"manifest": manifest, "records": records}, ensure_ascii=False, indent=1, default=str)
        if args.out:
            out = Path(args.out)
            out.mkdir(parents=True, exist_ok=True)
            (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
            for name, rows in records.items():
                (out / f"{name}.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
            print(f"wrote {len(records)} record files to {out}", file=sys.stderr)
        else:
            print(text)
    else:
        import csv

        out = Path(args.out) if args.out else None
        if out:
            out.mkdir(parents=True, exist_ok=True)
        for name, rows in records.items():
            if not rows:
                continue
            fh = open(out / f"{name}.csv", "w", newline="", encoding="utf-8-sig") if out else sys.stdout
            try:
                if not out:
                    fh.write(f"# {name}\n")
                writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
            finally:
                if out:
                    fh.close()
        if out:
            print(f"wrote CSV files to {out}", file=sys.stderr)
    status = manifest.get("status")
    print(f"{pdf.name}: {status}" + (f" [{manifest.get('error_code')}] {manifest.get('error_message')}"
                                     if status != "extracted" else ""), file=sys.stderr)
    return 0


def cmd_debug_page(args) -> int:
    try:
        from extract.debug import render_page
    except ImportError as exc:
        print(f"extract.debug.render_page is not available: {exc}", file=sys.stderr)
        return 2
    out = render_page(Path(args.file), args.page, Path(args.out))
    print(out or args.out)
    return 0


STATUS_SQL = """
    select r.document_id, coalesce(h.status, r.status) as status, r.department_canonical, r.department_name,
           r.fiscal_year, r.doc_kind, r.scope, r.part, r.file_path, coalesce(h.reason, r.reason) as reason
      from raw.document_registry as r
      left join (select document_id, 'held_back' as status,
                        string_agg(test_name || '：' || message, '；' order by test_name) as reason
                   from raw.document_hold group by document_id) as h using (document_id)
"""
REFUSED_SQL = """
    select null as document_id, 'refused' as status, null as department_canonical, null as department_name,
           null::integer as fiscal_year, null as doc_kind, null as scope, null as part, file_path,
           error_code || '：' || reason as reason
      from raw.refused_file
"""


def status_rows(db: Path, *, status: str | None = None, department: str | None = None, year: int | None = None,
                file: str | None = None) -> tuple[list[str], list[tuple]]:
    """The registry of the published warehouse (documents, held back ones, refused files), filtered.

    ``department`` and ``file`` match a part of the name (the canonical or the printed department,
    any path the bytes were seen under); ``status`` is loaded | superseded | quarantined |
    held_back | refused.
    """
    from warehouse.db import file_has_table, query_file

    parts = [STATUS_SQL]
    if not file_has_table(db, "raw", "document_hold"):  # a warehouse published before holds existed
        parts = ["select r.document_id, r.status, r.department_canonical, r.department_name, r.fiscal_year, "
                 "r.doc_kind, r.scope, r.part, r.file_path, r.reason from raw.document_registry as r"]
    if file_has_table(db, "raw", "refused_file"):
        parts.append(REFUSED_SQL)
    where, params = [], []
    if status:
        where.append("status = ?")
        params.append(status)
    if department:
        where.append("(department_canonical ilike ? or department_name ilike ?)")
        params += [f"%{department}%"] * 2
    if year:
        where.append("fiscal_year = ?")
        params.append(int(year))
    if file:
        where.append("(file_path ilike ? or document_id in (select document_id from raw.document_file where file_path ilike ?))")
        params += [f"%{file}%"] * 2
    sql = ("select * from (" + " union all ".join(parts) + ") as s"
           + (" where " + " and ".join(where) if where else "")
           + " order by fiscal_year nulls last, file_path")
    return query_file(db, sql, params)


def cmd_status(args) -> int:
    from warehouse.db import file_has_table, query_file

    settings = _settings()
    db = settings.published_path
    if not db.exists():
        print(f"no published warehouse at {db} (run `fiscal run` first)", file=sys.stderr)
        return 1
    if not file_has_table(db, "raw", "document_registry"):
        print(f"{db} has no raw.document_registry", file=sys.stderr)
        return 1
    cols, rows = status_rows(db, status=args.status, department=args.department, year=args.year, file=args.file)
    # the level as a bureau says it — 汇总 (a department with its units), 本级, 单位 — and a 本级 /
    # unit document's 主管部门
    levels = {"consolidated": "汇总", "own": "本级", "unit": "单位", "unknown": "未知"}
    parents = {}
    if "parent_department" in query_file(db, "select * from raw.document_registry limit 0")[0]:
        parents = dict(query_file(db, "select document_id, parent_department from raw.document_registry")[1])
    if "scope" in cols and "document_id" in cols:
        i, d = cols.index("scope"), cols.index("document_id")
        rows = [tuple(r[:i]) + (levels.get(r[i], r[i]), parents.get(r[d])) + tuple(r[i + 1:]) for r in rows]
        cols = cols[:i] + ["level", "parent"] + cols[i + 1:]
    # the partition key in full when looking for documents (paste it into the Dagster UI), else 12 characters
    full_key = bool(args.department or args.file)
    keep = [i for i, c in enumerate(cols) if c != "department_name"]
    cols = [cols[i] for i in keep]
    rows = [tuple((v[:12] if c == "document_id" and v and not full_key else v) for c, v in zip(cols, (r[i] for i in keep)))
            for r in rows]
    print(format_table(cols, rows, max_width=64 if full_key else 60))
    print(f"\n{len(rows)} row(s)" + ("" if not (args.status or args.department or args.year or args.file)
                                     else " matching the filters"))
    if not args.brief:
        print()
        print(summary(settings))
        unrecognised_tables(db)
    return 0


def unrecognised_tables(db: Path, limit: int = 20) -> None:
    """Tables the catalog could not name, by normalised title (an alias in tables.yaml names them)."""
    from extract.survey import UNRECOGNISED_SQL
    from warehouse.db import file_has_table, query_file

    if not file_has_table(db, "raw", "extracted_table"):
        return

    _, rows = query_file(db, UNRECOGNISED_SQL)
    if not rows:
        return
    print(f"\n未识别的表 / unrecognised tables ({sum(r[1] for r in rows)} in {len(rows)} title(s)); "
          "name them with a title alias in extract/catalog/tables.yaml, then `fiscal run --force`:")
    print(format_table(["normalised_title", "tables", "documents", "ambiguous", "example"],
                       [r[:5] for r in rows[:limit]], max_width=60))
    if len(rows) > limit:
        print(f"… and {len(rows) - limit} more title(s)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fiscal", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="extract new/changed PDFs, load, check, report, publish")
    run.add_argument("--landing", help="landing folder (default $FISCAL_LANDING_DIR)")
    run.add_argument("--sample", action="store_true", help="first copy corpus/sample/**/*.pdf into the landing folder")
    run.add_argument("--force", action="store_true", help="re-extract documents already extracted (implies --full-refresh)")
    run.add_argument("--full-refresh", action="store_true",
                     help="rules, dbt models and tests, reports over every document, not only what changed")
    run.add_argument("--log-level", default="WARNING", help="Dagster console log level (default WARNING)")
    run.set_defaults(func=cmd_run)

    ext = sub.add_parser("extract", help="extract one PDF and print or write its records")
    ext.add_argument("file")
    ext.add_argument("--format", choices=["json", "csv"], default="json")
    ext.add_argument("--out", help="write one file per record type into this folder")
    ext.set_defaults(func=cmd_extract)

    dbg = sub.add_parser("debug-page", help="render one page with what the extractor found")
    dbg.add_argument("file")
    dbg.add_argument("page", type=int)
    dbg.add_argument("--out", required=True)
    dbg.set_defaults(func=cmd_debug_page)

    st = sub.add_parser("status", help="the document registry of the published warehouse")
    st.add_argument("--status", choices=["loaded", "superseded", "quarantined", "held_back", "refused"],
                    help="only documents (or refused files) with this status")
    st.add_argument("--department", help="only documents whose department contains this text")
    st.add_argument("--year", type=int, help="only documents of this fiscal year")
    st.add_argument("--file", help="only documents seen under a path containing this text")
    st.add_argument("--brief", action="store_true", help="the table only, without the run summary")
    st.set_defaults(func=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", module="dagster")  # beta/preview warnings are for developers
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # `fiscal extract x.pdf | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
