"""Partitions: one per document, keyed by the file's sha256.

The key is the document's content hash (the same ``document_id`` extraction
writes), so renaming a file changes nothing and a corrected file is a new
partition that supersedes the old one in the warehouse.
"""
from __future__ import annotations

import dagster as dg

DOCUMENTS_PARTITION = "documents"

documents = dg.DynamicPartitionsDefinition(name=DOCUMENTS_PARTITION)
