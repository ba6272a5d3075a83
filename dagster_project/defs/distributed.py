"""Extraction on a distributed engine: Dagster's Celery executor (dagster-celery, Redis broker).

The same graph as ``fiscal_refresh`` (defs/jobs.py), with one difference: ``document_extraction``
is a graph of steps instead of one step, so that separate worker processes (other machines)
extract batches of documents in parallel::

    plan_extraction ──► extract_batch[batch_00000] ─┐
      (warehouse)   ├─► extract_batch[batch_00001] ─┼─► collect_extraction ──► raw_warehouse ──► …
                    └─► …            (extract queue)┘     (warehouse)

* ``plan_extraction`` reads the run's document keys, leaves out those already extracted by the
  current extractor version, and cuts the rest into batches of ``FISCAL_BATCH_DOCS`` (8)
  documents: one step per batch, not per page or per document (a step costs ~1 s of overhead).
* ``extract_batch`` runs on any worker of the ``extract`` queue: it reads the PDFs from the
  landing store, calls ``extract.api.extract_many`` (per-document time and memory caps, a bad
  file quarantined, never raised) and writes ``<sha256>/`` into the extracted store. A worker
  lost mid-batch (killed, OOM, machine gone) is redelivered by the broker to another worker
  (``task_acks_late`` + ``task_reject_on_worker_lost``); a step that raises is retried by
  Dagster (``TRANSIENT_RETRY``).
* ``collect_extraction`` and every step after it (load, rules, dbt, GX, reports, publish) go to
  the ``warehouse`` queue, which one worker with concurrency 1 serves: the single DuckDB writer.
  When the extracted store is object storage it first mirrors the run's documents into the
  warehouse worker's ``FISCAL_EXTRACTED_DIR`` (the loader reads local Parquet).

Why Celery and not Dask: dagster-dask 0.29.27 plans the steps once, level by level, and
silently skips dynamically mapped steps (a toy fan-out job "succeeded" having run only its
fan-out op), has no retry mode and no queues; see dagster_project/README.md, *Scale-out*.
"""

import os
import socket
import tempfile
import time
import warnings
from pathlib import Path

import dagster as dg
from dagster_celery import celery_executor

from dagster_project.defs import assets, landing
from dagster_project.defs.partitions import RANGE_END_TAG, RANGE_START_TAG, documents
from dagster_project.defs.resources import FiscalResource
from warehouse import storage

# dagster-celery builds its task anew for every step it submits; Celery then warns that the name
# is taken (by the identical task): noise in every run's log.
warnings.filterwarnings("ignore", message="Task name 'execute_plan' is already registered")

DISTRIBUTED_JOB = "fiscal_refresh_distributed"
QUEUE_TAG = "dagster-celery/queue"  # dagster-celery routes a step to the queue named by this op tag
EXTRACT_QUEUE = "extract"
WAREHOUSE_QUEUE = "warehouse"  # the default queue: every step without the tag
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
DEFAULT_BATCH_DOCS = 8


def broker_url() -> str:
    return os.environ.get("FISCAL_CELERY_BROKER") or DEFAULT_BROKER


def batch_documents() -> int:
    return max(1, int(os.environ.get("FISCAL_BATCH_DOCS") or DEFAULT_BATCH_DOCS))


def celery_config() -> dict:
    """The executor's config; the workers' app (dagster_project/celery_app.py) is built from the same."""
    broker = broker_url()
    # A batch may legitimately run for batch × FISCAL_DOC_TIMEOUT_S; an unacknowledged task is
    # handed to another worker only after this long (a machine that vanished without a word).
    doc_timeout = float(os.environ.get("FISCAL_DOC_TIMEOUT_S") or 300)
    return {
        "broker": broker,
        "backend": os.environ.get("FISCAL_CELERY_BACKEND") or broker,
        "config_source": {
            "task_default_queue": WAREHOUSE_QUEUE,
            "task_acks_late": True,  # acknowledge when the step is done, not when it is taken
            "task_reject_on_worker_lost": True,  # a killed worker process: the task goes back to the queue
            "worker_prefetch_multiplier": 1,  # batches are long: take one at a time
            "broker_connection_retry_on_startup": True,
            "broker_transport_options": {"visibility_timeout": int(batch_documents() * doc_timeout * 2)},
            "result_expires": 7 * 24 * 3600,
        },
    }


# --------------------------------------------------------------------------- the extraction graph


class PlanConfig(dg.Config):
    force: bool = False  # re-extract even documents already extracted by this extractor version
    batch_documents: int = 0  # documents per extract_batch step; 0: FISCAL_BATCH_DOCS (8)


def _landing_index_path(settings) -> Path:
    return settings.home / ".dagster_state" / "landing_store_index.json"


def locate(settings, store: storage.Store, keys: list[str]) -> dict[str, str | None]:
    """Each key's relative path in the landing store (``None``: no file with these bytes there now)."""
    if store.is_local:
        paths = landing.resolve(settings, keys)  # the sensor's folder scan and sha256 cache
        root = settings.landing_dir
        return {k: (p.relative_to(root).as_posix() if p is not None else None) for k, p in paths.items()}
    found = scan_store(settings, store)
    first: dict[str, str] = {}
    for sha, rel in found:
        first.setdefault(sha, rel)
    return {k: first.get(k) for k in keys}


def scan_store(settings, store: storage.Store) -> list[tuple[str, str]]:
    """(sha256, relative path) of every PDF in a remote landing store, with a hash cache."""
    import json

    path = _landing_index_path(settings)
    try:
        cache = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    found, cache = storage.scan_landing(store, cache)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    tmp.write_text(json.dumps(cache, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
    return found


@dg.op(
    out={"batches": dg.DynamicOut(dict), "keys": dg.Out(list)},
    tags={QUEUE_TAG: WAREHOUSE_QUEUE},
    description="The run's documents that need extracting, cut into batches (one extract step each).",
)
def plan_extraction(context: dg.OpExecutionContext, fiscal: FiscalResource, config: PlanConfig):
    settings = fiscal.settings()
    keys = list(context.partition_keys)
    located = locate(settings, storage.landing_store(settings), keys)
    xstore = storage.extracted_store(settings)
    from extract import api  # pdfium, pdfplumber: imported when a run extracts, not when Definitions load

    version = api.EXTRACTOR_VERSION
    todo = [k for k in keys if located[k] is not None
            and (config.force or not assets.up_to_date(xstore.read_manifest(k), version))]
    size = config.batch_documents or batch_documents()
    context.log.info(f"{len(keys)} document(s): {len(todo)} to extract in batches of {size}, "
                     f"{len(keys) - len(todo)} already extracted or gone")
    # Always one batch, possibly empty: an empty fan-out would skip every step after it.
    for i in range(0, max(len(todo), 1), size):
        yield dg.DynamicOutput({k: located[k] for k in todo[i:i + size]},
                               mapping_key=f"batch_{i // size:05d}", output_name="batches")
    yield dg.Output(keys, output_name="keys")


@dg.op(
    tags={QUEUE_TAG: EXTRACT_QUEUE},
    retry_policy=assets.TRANSIENT_RETRY,
    description="Extract one batch of documents (extract.api.extract_many) into the extracted store.",
)
def extract_batch(context: dg.OpExecutionContext, fiscal: FiscalResource, batch: dict) -> dict:
    settings = fiscal.settings()
    if not batch:
        return {"documents": {}, "seconds": 0.0, "pages": 0, "worker": None}
    from extract import api
    lstore, xstore = storage.landing_store(settings), storage.extracted_store(settings)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fiscal-batch-") as work:
        work = Path(work)
        root = lstore.local_path if lstore.is_local else work / "landing"
        paths = [root / rel if lstore.is_local else lstore.get_file(rel, root / rel) for rel in batch.values()]
        out_root = xstore.local_path if xstore.is_local else work / "extracted"
        manifests = api.extract_many(
            paths, out_root, workers=settings.workers, timeout_s=settings.doc_timeout_s,
            memory_mb=settings.doc_memory_mb, max_pages=settings.max_pages, landing_root=root,
        )
        if not xstore.is_local:
            for m in manifests:
                xstore.put_dir(out_root / m["document_id"], m["document_id"])
    seconds = time.perf_counter() - started
    summaries = {m["document_id"]: assets.document_summary(m) for m in manifests}
    pages = sum(int(s.get("pages") or 0) for s in summaries.values())
    worker = f"{socket.gethostname()}:{os.getpid()}"
    context.log.info(f"{len(manifests)} document(s), {pages} pages in {seconds:.1f} s on {worker}")
    return {"documents": summaries, "seconds": round(seconds, 3), "pages": pages, "worker": worker}


@dg.op(
    out=dg.Out(dg.Nothing),  # the records are files in the extracted store, nothing for an IO manager
    tags={QUEUE_TAG: WAREHOUSE_QUEUE},
    description="Every document of the run with its status; mirrors remote extractions for the loader.",
)
def collect_extraction(context: dg.AssetExecutionContext, fiscal: FiscalResource, keys: list, batches: list) -> None:
    settings = fiscal.settings()
    done: dict[str, dict] = {}
    for b in batches:
        done.update(b["documents"])
    # this run's extractions, and any document the loader's folder lacks (a new warehouse worker)
    wanted = [k for k in keys if k in done or not (settings.extracted_dir / k / storage.MANIFEST).exists()]
    copied = storage.mirror_extracted(storage.extracted_store(settings), settings.extracted_dir, wanted)
    if copied:
        context.log.info(f"mirrored {len(copied)} document(s) from the extracted store")
    summaries = {}
    for key in keys:
        if key in done:
            summaries[key] = done[key]
        elif (m := assets.read_manifest(settings.extracted_dir, key)) is not None:
            summaries[key] = {**assets.document_summary(m), "reused": True}
        else:
            summaries[key] = {"status": "missing", "error_code": "file_missing",
                              "reason": "文件在抽取前已离开落地目录 / the file left the landing store before it "
                                        "was extracted — drop it again to load it."}
    for key, summary in summaries.items():
        context.add_asset_metadata(
            {**{k: v for k, v in assets.as_metadata(summary).items() if summary.get(k) is not None},
             "label": assets.partition_label(summary)},
            partition_key=key,
        )
    statuses: dict[str, int] = {}
    for s in summaries.values():
        statuses[s["status"]] = statuses.get(s["status"], 0) + 1
    workers = sorted({b["worker"] for b in batches if b.get("worker")})
    context.log.info(f"documents by status: {statuses}; {sum(1 for b in batches if b['documents'])} batch(es) "
                     f"on {len(workers)} worker process(es)")
    context.add_output_metadata({"documents": len(keys), "by_status": dg.MetadataValue.json(statuses),
                                 "batches": dg.MetadataValue.json([
                                     {k: b[k] for k in ("worker", "seconds", "pages")} | {"documents": len(b["documents"])}
                                     for b in batches if b["documents"]])})


@dg.graph_asset(
    name="document_extraction",
    group_name="extract",
    partitions_def=documents,
    backfill_policy=dg.BackfillPolicy.single_run(),
    kinds={"python", "parquet", "celery"},
    description="PDF → Parquet records per document, batches extracted by Celery workers "
                "(extract.api.extract_many in each batch).",
)
def distributed_document_extraction():
    batches, keys = plan_extraction()
    return collect_extraction(keys, batches.map(extract_batch).collect())


@dg.asset_check(
    asset=distributed_document_extraction,
    name=assets.QUARANTINE_CHECK,
    op_tags={QUEUE_TAG: WAREHOUSE_QUEUE},
    description="Documents of this run that could not be read (quarantined) and why.",
)
def distributed_quarantine_check(context: dg.AssetCheckExecutionContext, fiscal: FiscalResource):
    settings = fiscal.settings()
    keys = run_keys(context)
    summaries = {}
    for key in keys:
        m = assets.read_manifest(settings.extracted_dir, key)
        summaries[key] = assets.document_summary(m) if m else {"status": "missing", "error_code": "file_missing"}
    bad = {k: s for k, s in summaries.items() if s["status"] not in ("extracted", "ok", "success")}
    return dg.AssetCheckResult(
        passed=not bad,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"documents": len(keys), "quarantined": len(bad),
                  "quarantined_documents": dg.MetadataValue.md(assets.quarantine_table(bad) if bad else "none")},
    )


def run_keys(context: dg.AssetCheckExecutionContext) -> list[str]:
    tags = context.run.tags
    keys = context.instance.get_dynamic_partitions(documents.name)
    start, end = tags.get(RANGE_START_TAG), tags.get(RANGE_END_TAG)
    if tags.get(assets.SCOPE_TAG) != "all" and start in keys and end in keys:
        return keys[keys.index(start): keys.index(end) + 1]
    return keys


# --------------------------------------------------------------------------- the job

# dagster-celery's executor; its config is computed when a run starts (a config function), so the
# broker is the one in the environment then (FISCAL_CELERY_BROKER), the same the workers were
# started with. Retries stay enabled: extract_batch's retry policy applies.
distributed_executor = celery_executor.configured(lambda _: celery_config(), name="fiscal_celery", config_schema={})

distributed_job = dg.define_asset_job(
    DISTRIBUTED_JOB,
    selection=dg.AssetSelection.all(),
    executor_def=distributed_executor,
    tags={"fiscal/pipeline": "warehouse"},
    description="fiscal_refresh on Celery workers: extraction batches on the extract queue, "
                "the single-writer steps on the warehouse queue.",
)
