"""What a run skips: the whole run when nothing changed, the unchanged documents when something did.

* :func:`run_fingerprint`: every document's extraction (manifest identity) and the code that turns
  extractions into the warehouse (:func:`warehouse.incremental.code_fingerprint`). The ``fiscal run``
  command and the ``nightly_refresh`` schedule skip a run whose fingerprint equals the last
  complete one's (recorded by the publish step, :func:`record_run`).
* Inside a run, the load step makes the night plan (:func:`warehouse.incremental.plan_night`):
  rules, dbt and the reports then recompute only the affected documents and departments.
  A full night: run tag ``fiscal/full_refresh=true`` (``fiscal run --full-refresh``; in the
  Dagster UI, add the tag to a run of ``fiscal_refresh``).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from reports import PENDING as REPORTS_PENDING
from warehouse.incremental import FULL_REFRESH_TAG, code_fingerprint

__all__ = ["FULL_REFRESH_TAG", "extraction_scope", "last_run", "night_selection", "nothing_changed", "record_run", "repository_keys",
           "run_fingerprint", "unchanged_dbt_keys"]

# quarantine reasons the refresh retries: a night with such a document is not a no-change night
RETRIED = ("resource_limit", "worker_crashed")


def run_fingerprint(settings, keys: list[str]) -> str | None:
    """What a run's output depends on: every document's extraction (manifest identity) and the code.
    None when a document has not been extracted yet (or is to be extracted again)."""
    h = hashlib.sha256(code_fingerprint(settings.dbt_project_dir).encode())
    for key in sorted(keys):
        manifest = settings.extracted_dir / key / "manifest.json"
        if not manifest.exists():
            return None
        if json.loads(manifest.read_text(encoding="utf-8")).get("error_code") in RETRIED:
            return None
        st = manifest.stat()
        h.update(f"{key}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()


def _path(settings) -> Path:
    return settings.home / ".dagster_state" / "last_successful_run.json"


def last_run(settings) -> str | None:
    try:
        return json.loads(_path(settings).read_text(encoding="utf-8"))["fingerprint"]
    except (OSError, ValueError, KeyError):
        return None


def record_run(settings, fingerprint: str | None) -> None:
    if fingerprint is None:
        return
    path = _path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"fingerprint": fingerprint}), encoding="utf-8")
    tmp.replace(path)


def extraction_scope(settings, keys: list[str], *, force: bool = False) -> list[str]:
    """The document partitions a refresh run must cover: every key when one that is not the newest
    needs extracting (or ``force``), else only the newest keys that do (the sensor's new files are
    appended last, so they form one range), else the last key alone. The load, the night plan and
    everything after them cover every document whatever the run's partitions; a run over 200
    up-to-date partitions would only record 200 materializations of nothing."""
    from dagster_project.defs.assets import read_manifest, up_to_date
    from extract.api import EXTRACTOR_VERSION

    if force or not keys:
        return list(keys)
    todo = [k for k in keys if not up_to_date(read_manifest(settings.extracted_dir, k), EXTRACTOR_VERSION)]
    if not todo:
        return keys[-1:]
    return todo if todo == keys[len(keys) - len(todo):] else list(keys)


def nothing_changed(settings, keys: list[str]) -> bool:
    """The published warehouse is current: same extractions and code as the last complete run,
    and the last report build finished (a build that failed leaves its pending departments
    behind, and the next run — with no new file — writes them)."""
    fingerprint = run_fingerprint(settings, keys)
    return (fingerprint is not None and last_run(settings) == fingerprint and settings.published_path.exists()
            and not (Path(settings.reports_dir) / REPORTS_PENDING).exists())


# dbt nodes that only code changes: a view's SQL and a seed's CSV are files of the dbt project
UNCHANGING = ("view", "seed")


def unchanged_dbt_keys(manifest: dict, dbt_defs) -> list:
    """Asset keys of the dbt views and seeds (their checks go with them)."""
    names = {n["name"] for n in manifest.get("nodes", {}).values()
             if n.get("resource_type") == "seed"
             or (n.get("resource_type") == "model" and n.get("config", {}).get("materialized") in UNCHANGING)}
    return [k for k in dbt_defs.keys if k.path[-1] in names] if dbt_defs is not None else []


def night_selection(settings, all_keys, *, full_refresh: bool = False) -> list | None:
    """The assets tonight's run materializes: every one (None) unless the code that builds the
    warehouse is the last complete night's — then the dbt views and seeds, which only code
    changes, are already current in the build file and are left out with their tests: on a small
    night that is a fifth of the dbt nodes, and of the Dagster events each of them costs. The
    night plan (made in the load step) is then not full either: it is full only on the first night
    or after a code change, the two cases that keep everything here."""
    from dagster_project.defs.assets import fiscal_dbt_models
    from dagster_project.defs.resources import dbt_project_exists
    from warehouse.incremental import last_code

    if full_refresh or not dbt_project_exists():
        return None
    if last_code(settings.duckdb_path) != code_fingerprint(settings.dbt_project_dir):
        return None
    skip = set(unchanged_dbt_keys(_manifest(), fiscal_dbt_models()))
    if not skip:
        return None
    return sorted((k for k in all_keys if k not in skip), key=lambda k: k.to_user_string())


def repository_keys(context) -> list:
    """Every asset key of the code location a sensor or schedule evaluates in."""
    import dagster as dg

    try:
        repo = context.repository_def
    except dg.DagsterInvariantViolationError:  # a context built outside a code location (a test's)
        repo = None
    if repo is not None:
        return list(repo.asset_graph.get_all_asset_keys())
    from dagster_project.definitions import defs  # evaluated outside a repository (a test's context)

    return list(defs.resolve_all_asset_keys())


def _manifest() -> dict:
    from dagster_project.defs.resources import dbt_project

    return json.loads(Path(dbt_project().manifest_path).read_text(encoding="utf-8"))
