"""Assets, in the order the data flows: extract → load → rules → dbt → reports → publish.

Each asset calls one documented entry point of another folder (docs/architecture.md)
and reports what it did as metadata; the logic lives in those folders.
"""

import json
import warnings
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from dagster_project.defs import landing
from dagster_project.defs.partitions import (
    DOCUMENTS_PARTITION,
    PARTITION_TAG,
    RANGE_END_TAG,
    RANGE_START_TAG,
    documents,
)
from dagster_project.defs.resources import FiscalResource, dbt_project, keep_partial_parse, prune_invocation_targets

# Single-run backfills of a partitioned asset are what let one run extract many documents;
# the parameter is marked beta in dagster 1.13, which is noise for users of this project.
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)

# A run covering every known document (nightly refresh, ``fiscal run``) carries this tag;
# the others (landing sensor) cover only new documents.
SCOPE_TAG = "fiscal/scope"
# Steps that open the pipeline DuckDB file carry this tag; the job's executor runs at most
# one of them at a time (DuckDB allows one writing process).
DUCKDB_TAG = {"fiscal/duckdb": "writer"}

QUARANTINE_CHECK = "document_not_quarantined"
REGISTRY_CHECK = "registry_quarantined_documents"

# Transient failures (a worker killed by the OS, a locked file on a network share) get two
# more tries; bad documents never raise, they are quarantined (extract.api contract).
TRANSIENT_RETRY = dg.RetryPolicy(max_retries=2, delay=15, backoff=dg.Backoff.EXPONENTIAL)


def as_metadata(values: Mapping[str, Any] | None, prefix: str = "") -> dict[str, Any]:
    """A stage's returned dict as Dagster metadata: numbers and strings as-is, the rest as JSON."""
    out: dict[str, Any] = {}
    for key, value in (values or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, bool) or value is None:
            out[name] = dg.MetadataValue.text(str(value))
        elif isinstance(value, (int, float)):
            out[name] = value
        elif isinstance(value, Path):
            out[name] = dg.MetadataValue.path(str(value))
        elif isinstance(value, str):
            out[name] = value
        else:
            out[name] = dg.MetadataValue.json(json.loads(json.dumps(value, default=str)))
    return out


def run_document_keys(context: dg.AssetExecutionContext) -> list[str] | None:
    """The document keys this run extracted, or ``None`` when the run covers every document."""
    tags = context.run.tags
    if tags.get(SCOPE_TAG) == "all":
        return None
    start, end = tags.get(RANGE_START_TAG), tags.get(RANGE_END_TAG)
    if start and end:
        keys = context.instance.get_dynamic_partitions(DOCUMENTS_PARTITION)
        if start in keys and end in keys:
            return keys[keys.index(start) : keys.index(end) + 1]
    if tags.get(PARTITION_TAG):
        return [tags[PARTITION_TAG]]
    return None


# --------------------------------------------------------------------------- extract


# Quarantine reasons that may not recur (the machine was busy, a worker was killed): such
# documents are extracted again whenever a run covers them (the nightly refresh does).
RETRY_QUARANTINED = {"resource_limit", "worker_crashed"}


class ExtractionConfig(dg.Config):
    force: bool = False  # re-extract even documents already extracted by this extractor version


def read_manifest(extracted_dir: Path, document_id: str) -> dict | None:
    try:
        return json.loads((extracted_dir / document_id / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def document_summary(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """What the UI and the CLI show per document (the keys extract.api writes in manifest.json)."""
    return {
        "status": manifest.get("status") or "unknown",
        "department": manifest.get("department_name"),
        "fiscal_year": manifest.get("fiscal_year"),
        "doc_kind": manifest.get("doc_kind"),
        "file": manifest.get("file_path"),
        "error_code": manifest.get("error_code"),
        "reason": manifest.get("error_message"),
        "extractor_version": manifest.get("extractor_version"),
        "seconds": manifest.get("extract_seconds"),
        "reused": bool(manifest.get("reused")),  # already extracted by this extractor version
    }


def up_to_date(existing: Mapping[str, Any] | None, version: str | None) -> bool:
    """Extracted by this extractor version, and not quarantined for a reason that may not recur."""
    return (
        existing is not None
        and existing.get("extractor_version") == version
        and existing.get("error_code") not in RETRY_QUARANTINED
    )


def partition_label(summary: Mapping[str, Any]) -> str:
    """A document partition in words: department, year, kind, file (searchable in the UI's metadata)."""
    kind = {"final": "决算", "budget": "预算"}.get(summary.get("doc_kind") or "", "")
    parts = [summary.get("department") or "", f"{summary['fiscal_year']}年" if summary.get("fiscal_year") else "", kind]
    head = "".join(str(p) for p in parts if p)
    return f"{head} · {summary.get('file') or ''}".strip(" ·")


def extract_documents(
    fiscal: FiscalResource, keys: list[str], *, force: bool = False, log=None
) -> dict[str, dict]:
    """Extract the documents with these keys (sha256); returns each key's manifest.

    Documents already extracted by the current extractor version are not re-extracted
    (unless ``force``, or they were quarantined for a reason that may not recur).
    A key whose file has left the landing folder keeps its last extraction, or gets a
    ``missing`` manifest when it never had one.
    """
    from extract import api  # pdfium, pdfplumber: imported when a run extracts, not when Definitions load

    settings = fiscal.settings()
    version = api.EXTRACTOR_VERSION
    paths = landing.resolve(settings, keys)
    manifests: dict[str, dict] = {}
    todo: list[str] = []
    for key in keys:
        existing = read_manifest(settings.extracted_dir, key)
        if existing is not None and (paths[key] is None or (up_to_date(existing, version) and not force)):
            manifests[key] = {**existing, "reused": True}
        elif paths[key] is None:
            seen = landing.known_paths(settings, key)
            manifests[key] = {
                "document_id": key,
                "status": "missing",
                "error_code": "file_missing",
                "error_message": "The file left the landing folder before it was extracted"
                + (f" (was {', '.join(seen)})" if seen else "")
                + " — drop it again to load it.",
            }
        else:
            todo.append(key)

    if todo:
        if log:
            log.info(f"extracting {len(todo)} document(s); {len(keys) - len(todo)} already extracted")
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc="extract", unit="doc", disable=not fiscal.progress_bars)
        done = 0

        def progress(*_args, **_kwargs) -> None:
            nonlocal done
            done += 1
            bar.update(1)
            if log and (done % 25 == 0 or done == len(todo)):
                log.info(f"extracted {done}/{len(todo)}")

        try:
            results = api.extract_many(
                [paths[k] for k in todo],
                settings.extracted_dir,
                workers=settings.workers,
                timeout_s=settings.doc_timeout_s,
                memory_mb=settings.doc_memory_mb,
                max_pages=settings.max_pages,
                landing_root=settings.landing_dir,
                progress=progress,
            )
        finally:
            bar.close()
        for key, manifest in zip(todo, results):
            manifests[manifest.get("document_id") or key] = dict(manifest)
        for key in todo:  # the file's bytes changed between the scan and the extraction
            manifests.setdefault(key, read_manifest(settings.extracted_dir, key) or {
                "document_id": key, "status": "missing", "error_code": "file_missing",
                "error_message": "文件在提取时已被替换（内容变了）；新内容会作为新文件载入。"
                                 " (the file changed while it was being extracted)",
            })
    return {key: manifests[key] for key in keys}


def quarantine_table(summaries: Mapping[str, Mapping[str, Any]]) -> str:
    lines = ["| document | file | code | reason |", "|---|---|---|---|"]
    for key, s in summaries.items():
        reason = str(s.get("reason") or "").replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{key[:12]}` | {s.get('file') or ''} | {s.get('error_code') or ''} | {reason} |")
    return "\n".join(lines)


@dg.asset(
    group_name="extract",
    partitions_def=documents,
    backfill_policy=dg.BackfillPolicy.single_run(),
    retry_policy=TRANSIENT_RETRY,
    kinds={"python", "parquet"},
    check_specs=[
        dg.AssetCheckSpec(
            QUARANTINE_CHECK,
            asset="document_extraction",
            description="Documents of this run that could not be read (quarantined) and why.",
        )
    ],
    description="PDF → Parquet records per document (extract.api.extract_many, one process per document).",
)
def document_extraction(
    context: dg.AssetExecutionContext, fiscal: FiscalResource, config: ExtractionConfig
) -> dg.MaterializeResult:
    keys = list(context.partition_keys)
    manifests = extract_documents(fiscal, keys, force=config.force, log=context.log)
    summaries = {key: document_summary(m) for key, m in manifests.items()}
    for key, summary in summaries.items():
        context.add_asset_metadata(
            {**{k: v for k, v in as_metadata(summary).items() if summary.get(k) is not None},
             "label": partition_label(summary)},
            partition_key=key,
        )
    bad = {k: s for k, s in summaries.items() if s["status"] not in ("extracted", "ok", "success")}
    statuses: dict[str, int] = {}
    for s in summaries.values():
        statuses[s["status"]] = statuses.get(s["status"], 0) + 1
    context.log.info(f"documents by status: {statuses}")
    for key, s in bad.items():
        context.log.warning(f"{s['status']}: {s.get('file') or key} — {s.get('error_code')}: {s.get('reason')}")
    return dg.MaterializeResult(
        check_results=[
            dg.AssetCheckResult(
                check_name=QUARANTINE_CHECK,
                passed=not bad,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={
                    "documents": len(keys),
                    "quarantined": len(bad),
                    "by_status": dg.MetadataValue.json(statuses),
                    "quarantined_documents": dg.MetadataValue.md(quarantine_table(bad) if bad else "none"),
                },
            )
        ]
    )


# --------------------------------------------------------------------------- load


def registry_rows(duckdb_path: Path, sql: str) -> list[dict]:
    """Rows of a query on the pipeline DuckDB (read-only), as dicts; [] before the first load."""
    from warehouse.db import connect_reader, fetch_dicts

    if not Path(duckdb_path).exists():
        return []
    with connect_reader(duckdb_path) as con:
        return fetch_dicts(con, sql)


def registry_quarantined(duckdb_path: Path) -> list[dict]:
    """Quarantined documents in raw.document_registry (warehouse.load), with their reason."""
    return registry_rows(duckdb_path, "select document_id, file_path, department_name, fiscal_year, error_code, reason "
                                      "from raw.document_registry where status = 'quarantined' order by file_path, document_id")


def refused_files(duckdb_path: Path) -> list[dict]:
    """Landing files that were not read (raw.refused_file), with their reason."""
    return registry_rows(duckdb_path, "select file_path, error_code, reason from raw.refused_file order by file_path")


def partition_index(duckdb_path: Path) -> str:
    """Markdown: every document partition by department and file name, with its key (the
    name-keyed view of the sha256 partitions, in raw_warehouse's metadata)."""
    rows = registry_rows(duckdb_path, """
        select coalesce(department_canonical, department_name, '') as department, fiscal_year, doc_kind, status,
               file_path, document_id
          from raw.document_registry order by department, fiscal_year, file_path""")
    lines = ["| department | year | kind | status | file | partition key |", "|---|---|---|---|---|---|"]
    for r in rows:
        cells = [r["department"], r["fiscal_year"] or "", r["doc_kind"] or "", r["status"] or "",
                 r["file_path"] or "", f"`{r['document_id']}`"]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def seen_files(files: list[landing.LandingFile]) -> list[dict]:
    """Every file now in the landing folder, for the registry's list of names per document."""
    from datetime import datetime, timezone

    return [
        {
            "document_id": f.document_id,
            "file_path": f.relative_path,
            "file_name": Path(f.relative_path).name,
            "seen_at": datetime.fromtimestamp(f.mtime_ns / 1e9, tz=timezone.utc).isoformat(),
        }
        for f in files
    ]


@dg.asset(
    group_name="load",
    deps=[document_extraction],
    kinds={"duckdb"},
    op_tags=DUCKDB_TAG,
    retry_policy=TRANSIENT_RETRY,
    check_specs=[
        dg.AssetCheckSpec(
            REGISTRY_CHECK,
            asset="raw_warehouse",
            description="Every document in the registry that is quarantined, and every landing file that was "
            "refused (symlink out of the folder, broken link, unreadable), with its reason.",
        )
    ],
    description="Single writer of raw.* in the pipeline DuckDB (warehouse.load.load_extracted).",
)
def raw_warehouse(context: dg.AssetExecutionContext, fiscal: FiscalResource) -> dg.MaterializeResult:
    from warehouse.load import load_extracted

    settings = fiscal.settings()
    fiscal.announce("loading the warehouse")
    files, state = landing.scan(settings)
    landing.save_state(settings, state)
    # Every extracted document, not only this run's: the loader skips unchanged manifests
    # itself, and a document whose earlier load failed is picked up by the next run.
    counts = load_extracted(settings, seen_files=seen_files(files), refused_files=state["refused"])
    in_run = run_document_keys(context)
    context.log.info(f"load_extracted after extracting {'all' if in_run is None else len(in_run)} document(s): {counts}")
    plan = make_night_plan(context, settings)
    quarantined = registry_quarantined(settings.duckdb_path)
    refused = refused_files(settings.duckdb_path)
    for r in refused:
        context.log.warning(f"refused: {r['file_path']} — {r['error_code']}: {r['reason']}")
    summaries = {
        row.get("document_id") or str(i): {
            "file": row.get("file_path"),
            "error_code": row.get("error_code"),
            "reason": row.get("reason"),
        }
        for i, row in enumerate(quarantined)
    }
    summaries.update({f"refused:{r['file_path']}": {"file": r["file_path"], "error_code": r["error_code"],
                                                    "reason": r["reason"]} for r in refused})
    return dg.MaterializeResult(
        metadata={
            **as_metadata(counts),
            **as_metadata(plan.summary(), prefix="night_"),
            "run_scope": "all documents" if in_run is None else f"{len(in_run)} new document(s)",
            "duckdb_path": dg.MetadataValue.path(str(settings.duckdb_path)),
            "partition_index": dg.MetadataValue.md(partition_index(settings.duckdb_path)),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=REGISTRY_CHECK,
                passed=not summaries,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={
                    "quarantined": len(quarantined),
                    "refused_files": len(refused),
                    "documents": dg.MetadataValue.md(quarantine_table(summaries) if summaries else "none"),
                },
            )
        ],
    )


def make_night_plan(context: dg.AssetExecutionContext, settings):
    """What rules, dbt and reports recompute tonight (warehouse/incremental.py): the documents and
    departments changed since the last complete run, or everything (run tag fiscal/full_refresh)."""
    from warehouse.incremental import FULL_REFRESH_TAG, code_fingerprint, plan_night

    full = context.run.tags.get(FULL_REFRESH_TAG, "").lower() in ("true", "1", "yes")
    plan = plan_night(settings.duckdb_path, code=code_fingerprint(settings.dbt_project_dir), full=full,
                      reason="full refresh requested (run tag fiscal/full_refresh)" if full else "")
    context.log.info(f"night plan: {plan.summary()}")
    return plan


def night_documents(settings) -> list[str] | None:
    """Tonight's affected documents, None when tonight recomputes every document."""
    from warehouse.incremental import read_plan

    plan = read_plan(settings.duckdb_path)
    return None if plan is None or plan.full else plan.documents


# --------------------------------------------------------------------------- rules


@dg.asset(
    group_name="quality",
    deps=[raw_warehouse],
    kinds={"duckdb", "sql"},
    op_tags=DUCKDB_TAG,
    description="勾稽关系 rules over every document → raw.dq_result, raw.dq_finding (expectations.rules.run_all).",
)
def dq_rules(context: dg.AssetExecutionContext, fiscal: FiscalResource) -> dg.MaterializeResult:
    from expectations.rules import run_all

    settings = fiscal.settings()
    documents = night_documents(settings)
    fiscal.announce("checking 勾稽关系 rules" + ("" if documents is None else f" ({len(documents)} affected document(s))"))
    counts = run_all(settings.duckdb_path, documents)
    context.log.info(f"rules: {counts}")
    return dg.MaterializeResult(metadata=as_metadata(counts))


# --------------------------------------------------------------------------- dbt


class FiscalDbtTranslator(DagsterDbtTranslator):
    """dbt sources map to ``raw_warehouse`` (their ``meta.dagster.asset_key``); models that read a
    source also wait for ``dq_rules``, which writes raw.dq_* in the same DuckDB file."""

    def get_asset_spec(self, manifest, unique_id, project):  # noqa: ANN001
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest.get("nodes", {}).get(unique_id)
        if node and node.get("resource_type") in ("model", "snapshot"):
            if any(dep.startswith("source.") for dep in node.get("depends_on", {}).get("nodes", [])):
                spec = spec.merge_attributes(deps=[dq_rules.key])
        return spec

    def get_group_name(self, dbt_resource_props):  # noqa: ANN001
        if dbt_resource_props.get("resource_type") == "source":
            return super().get_group_name(dbt_resource_props)
        return "transform"


@cache
def fiscal_dbt_models() -> dg.AssetsDefinition:
    """The dbt models as assets, built from the manifest when Definitions are assembled."""
    project = dbt_project()

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=FiscalDbtTranslator(
            settings=DagsterDbtTranslatorSettings(
                enable_asset_checks=True,
                # every raw.* table is one dagster asset, raw_warehouse (sources meta.dagster.asset_key)
                enable_duplicate_source_asset_keys=True,
            )
        ),
        op_tags=DUCKDB_TAG,
    )
    def fiscal_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, fiscal: FiscalResource):
        from warehouse import isolation

        settings = fiscal.settings()
        log_path = settings.home / "logs" / f"dbt-build-{context.run_id[:8]}.log"
        if fiscal.progress_bars:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            fiscal.announce(f"dbt build (staging → marts, data tests); log: {log_path}")
        events: list = []
        last_target: list[Path] = []  # the last dbt invocation's target folder (the older ones are pruned)
        # A full night rebuilds the incremental models; otherwise they and the tests of the
        # night-scoped models cover tonight's affected documents only: they read the night plan
        # from raw.night_affected (dbt/macros/night.sql), so every incremental night runs the same
        # command and dbt's partial parsing carries over from night to night.
        args = ["build", "--full-refresh"] if night_documents(settings) is None else ["build"]

        def build(attempt: int) -> isolation.BuildOutcome:
            with fiscal.dbt_env():  # the dbt subprocess starts here, with FISCAL_DUCKDB_PATH set
                invocation = dbt.cli(args, context=context, raise_on_error=False)
            # A pass's events are kept until we know it is the last one: a model is reported once.
            events[:] = dbt_events(invocation, log_path if fiscal.progress_bars else None)
            keep_partial_parse(invocation.target_path)  # dbt has finished: its parse is tonight's
            last_target[:] = [invocation.target_path]
            try:
                artifacts = invocation.get_artifact("run_results.json"), invocation.get_artifact("manifest.json")
            except FileNotFoundError:  # dbt stopped before running anything (a project that does not parse)
                artifacts = {}, {}
            return isolation.BuildOutcome(invocation.is_successful(), *artifacts)

        def on_hold(new: dict) -> None:
            for doc, tests in new.items():
                context.log.warning(f"held back {doc[:12]}: " + ", ".join(t.name for t in tests))
            fiscal.announce(f"{len(new)} document(s) held back by failing dbt data tests; building the rest again")

        try:
            _, report = isolation.build_isolating(build, settings.duckdb_path, on_hold=on_hold)
        except isolation.PipelineFailure as exc:
            yield from events
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        yield from events
        context.log.info(f"dbt: {report.summary()}")
        if last_target:
            prune_invocation_targets(last_target[0])

    return fiscal_dbt_models


def dbt_events(invocation, log_path: Path | None) -> list:
    """All Dagster events of one dbt invocation; on a terminal, dbt's lines go to ``log_path``
    (dagster-dbt echoes every dbt line to stdout) instead of the screen."""
    if log_path is None:
        return list(invocation.stream())
    import contextlib

    with open(log_path, "a", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        return list(invocation.stream())


def dbt_model_keys(dbt_defs: dg.AssetsDefinition | None) -> list[dg.AssetKey]:
    return sorted(dbt_defs.keys, key=lambda k: k.to_user_string()) if dbt_defs is not None else []


def dbt_key(dbt_defs: dg.AssetsDefinition | None, model: str) -> dg.AssetKey | None:
    """The asset key of one dbt model by name, None when the dbt project is absent."""
    return next((k for k in dbt_model_keys(dbt_defs) if k.path[-1] == model), None)


def dbt_leaf_keys(dbt_defs: dg.AssetsDefinition | None) -> list[dg.AssetKey]:
    """dbt assets nothing else in dbt reads (the marts): depending on these is depending on all."""
    if dbt_defs is None:
        return []
    upstream = {parent for parents in dbt_defs.asset_deps.values() for parent in parents}
    return [k for k in dbt_model_keys(dbt_defs) if k not in upstream]


# --------------------------------------------------------------------------- reports, publish


def build_reports_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        name="quality_reports",
        group_name="reports",
        deps=[dq_rules, *upstream],
        kinds={"html", "excel"},
        op_tags=DUCKDB_TAG,
        description="HTML quality report and Excel findings per department (reports.build.build_reports).",
    )
    def quality_reports(context: dg.AssetExecutionContext, fiscal: FiscalResource) -> dg.MaterializeResult:
        from reports.build import build_reports

        settings = fiscal.settings()
        fiscal.announce("building quality reports")
        result = build_reports(settings, night_documents(settings))
        context.log.info(f"reports: {result}")
        return dg.MaterializeResult(
            metadata={**as_metadata(result), "reports_dir": dg.MetadataValue.path(str(settings.reports_dir))}
        )

    return quality_reports


def record_complete_night(context: dg.AssetExecutionContext, settings) -> None:
    """After publish: tonight's registry is what the next night compares with (night plan), and
    the run's fingerprint is what ``fiscal run`` and the nightly schedule skip on."""
    from dagster_project.defs.night import record_run, run_fingerprint
    from warehouse.incremental import code_fingerprint, record_night

    code = code_fingerprint(settings.dbt_project_dir)
    record_night(settings.duckdb_path, code=code)
    record_run(settings, run_fingerprint(settings, context.instance.get_dynamic_partitions(DOCUMENTS_PARTITION)))


def build_publish_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """The analysts' copy waits for every dbt model (and so for the data tests, which hold back
    documents or fail the step), not for the reports: a report that cannot be written does not
    keep tonight's warehouse from the analysts."""

    @dg.asset(
        name="published_warehouse",
        group_name="publish",
        deps=[dq_rules, *upstream],
        kinds={"duckdb"},
        op_tags=DUCKDB_TAG,
        description="Atomic read-only copy of the warehouse that analysts open (warehouse.publish.publish).",
    )
    def published_warehouse(context: dg.AssetExecutionContext, fiscal: FiscalResource) -> dg.MaterializeResult:
        from warehouse.publish import publish

        settings = fiscal.settings()
        fiscal.announce("publishing the warehouse")
        path = publish(settings)
        context.log.info(f"published {path}")
        record_complete_night(context, settings)
        return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path))})

    return published_warehouse
