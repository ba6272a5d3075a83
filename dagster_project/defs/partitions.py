"""Partitions: one per document, keyed by the file's sha256.

The key is the document's content hash (the same ``document_id`` extraction
writes), so renaming a file changes nothing and a corrected file is a new
partition that supersedes the old one in the warehouse. An operator finds a
document's partition by name: every materialization of ``document_extraction``
carries the file, department, year and kind as metadata, ``raw_warehouse``'s
metadata has a ``partition_index`` table (file → department → key), and
``fiscal status --file NAME`` / ``--department NAME`` prints the key to paste
into the UI's partition search.
"""
from __future__ import annotations

import dagster as dg

DOCUMENTS_PARTITION = "documents"

documents = dg.DynamicPartitionsDefinition(name=DOCUMENTS_PARTITION)

# Dagster's run tags for one run over a range of partitions (a single-run backfill, documented
# under "backfills"); dagster keeps the constants in a private module, so they are spelled here.
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
PARTITION_TAG = "dagster/partition"


def range_tags(keys: list[str]) -> dict[str, str]:
    """Tags of a run that extracts the partitions ``keys[0]..keys[-1]`` in one step."""
    return {RANGE_START_TAG: keys[0], RANGE_END_TAG: keys[-1]}
