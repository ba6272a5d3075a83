"""The records extraction produces: one ``TypedDict`` per record kind, and its Arrow schema.

This module is the contract between ``extract/`` (writer), ``warehouse/``
(loader into the DuckDB ``raw`` schema), ``expectations/`` (rules) and
``dbt/`` (sources).  Every record carries its lineage: ``document_id`` (the
file's sha256), ``page`` (1-based) and a bounding box in PDF points
(``x0, top, x1, bottom``, origin top-left, as pdfplumber reports them).

Amounts are exact decimals: ``DECIMAL(24, 6)`` in 万元 (a 元 table divided by
10 000 keeps every digit), never floats.  A printed ``-``, ``—`` or blank is
``NULL`` with ``value_kind`` saying which; a printed ``0.00`` is ``0``.

A record is a plain dict (what ``pyarrow.Table.from_pylist`` takes); its ``TypedDict`` says which
keys it has and their types.  The Arrow schema and the column list are derived from the type
(:func:`schema_of`, :func:`columns`), so a field is declared once.  Python ``int`` is
``int32``, ``str`` ``string``, ``float`` ``float64``, ``bool`` ``bool_``; other Arrow types are
spelled with ``Annotated`` (:data:`Int64`, :data:`Amount`, :data:`Timestamp`).  Every column
is nullable, as Arrow fields are.
"""
from __future__ import annotations

import os
import shutil
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from types import UnionType
from typing import Annotated, TypedDict, Union, get_args, get_origin, get_type_hints

import pyarrow as pa

EXTRACTOR_VERSION = "1.2.0"  # 1.2: codes printed in labels ([301]工资福利支出) read as subject_code; no amount column taken for codes

AMOUNT = pa.decimal128(24, 6)
RATIO = pa.decimal128(18, 6)

Int64 = Annotated[int, pa.int64()]
Amount = Annotated[Decimal, AMOUNT]
Timestamp = Annotated[datetime, pa.timestamp("us", tz="UTC")]
_ARROW = {str: pa.string(), int: pa.int32(), float: pa.float64(), bool: pa.bool_()}


# One row per file ever extracted (one per document_id).
class Document(TypedDict):
    document_id: str  # sha256 of the file bytes, hex
    file_name: str | None  # name as found in the landing folder
    file_path: str | None  # path relative to the landing folder
    file_size: Int64 | None
    page_count: int | None
    producer: str | None  # PDF /Producer (or /Creator) metadata
    department_name: str | None  # as identified from the content
    fiscal_year: int | None
    doc_kind: str | None  # final (决算) | budget (预算)
    scope: str | None  # consolidated (汇总) | own (本级) | unit | unknown
    part: str | None  # full | narrative | tables (split disclosures)
    is_template: bool | None  # a blank template (XX placeholders), not a department's disclosure
    parent_department: str | None  # 主管部门 of an own (本级) / unit document, as printed or inferred
    identity_confidence: float | None  # 0–1, the weakest of department / year / kind / scope
    identity_review: str | None  # JSON list of {field, code, message}: what the operator must confirm
    identity_evidence: str | None  # JSON list of {field, value, source, page, text}
    status: str | None  # extracted | quarantined
    error_code: str | None  # typed error when quarantined (see extract.errors)
    error_message: str | None  # what it is and what a person can do
    name_conflicts: str | None  # JSON list of file-name vs content disagreements
    extractor_version: str | None
    extracted_at: Timestamp | None
    extract_seconds: float | None


# One row per table instance found in a document (a table stitched across pages is one instance).
class ExtractedTable(TypedDict):
    document_id: str
    table_seq: int | None  # order of the table in the document, 1-based
    table_name: str | None  # catalog id, or 'unmapped' (fct_fiscal_line: 'unrecognised:<normalised_title>')
    is_mapped: bool | None  # a catalog template names it
    printed_number: str | None  # 公开NN表 as printed, if any
    printed_title: str | None
    unit_printed: str | None  # 万元 | 元 | None when the table prints no unit
    unit_factor: Amount | None  # multiply printed amounts by this to get 万元
    first_page: int | None
    last_page: int | None
    row_count: int | None
    is_empty: bool | None  # printed with headers only
    empty_sentence: str | None  # the 本单位没有… sentence found after an empty table
    project_name: str | None  # performance tables: the printed 项目名称
    recognised_by: str | None  # title | header | both | NULL (unrecognised or ambiguous)
    recognition_score: float | None  # best template's score (0–1; extract.recognize)
    is_ambiguous: bool | None  # two templates scored alike: left unnamed, candidates kept
    normalised_title: str | None  # title without numbering, year, department, 情况表/预算表
    recognition_candidates: str | None  # JSON [[template id, score], …] best first
    ruled: bool | None  # drawn with ruling lines; False: columns/rows found from text positions
    extraction_problem: str | None  # why a table that prints amounts yielded none (with page)


# One row per printed cell of a table body (header cells are in header_path).
class TableCell(TypedDict):
    document_id: str
    table_seq: int | None
    table_name: str | None
    row_index: int | None  # 0-based data row within the stitched table
    col_index: int | None  # 0-based grid column
    # subject_code ('{code}#2', '#3'… for the code printed again in the table), or '{side}:{row_number}', or a label
    row_key: str | None
    side: str | None  # income | expenditure for two-sided tables, else NULL
    subject_code: str | None  # 功能分类 / 经济分类 code when the row has one
    classification: str | None  # functional | economic | none
    subject_level: int | None  # 1 类, 2 款, 3 项 (NULL when no code)
    parent_code: str | None
    line_name: str | None  # printed row label, normalised, ordinal prefix kept
    row_number: int | None  # 行次 as printed, if any
    measure: str | None  # canonical measure (measures.csv) or NULL (fct_fiscal_line: 'header:<header path>')
    phase: str | None  # budget | final | initial_budget | adjusted_budget
    header_path: str | None  # printed header texts joined with '/'
    value_text: str | None  # the cell text exactly as extracted (normalised)
    value_kind: str | None  # number | percent | zero | blank | dash | text
    amount: Amount | None  # in 万元 (or the ratio for percent cells); NULL when no value
    amount_printed: Amount | None  # the number as printed, in the printed unit
    page: int | None
    x0: float | None
    top: float | None
    x1: float | None
    bottom: float | None
    # where the value was read: text (the PDF's text layer) | ocr (a scanned page)
    value_source: str | None
    confidence: float | None  # OCR: the least sure character's probability (0 = ink not read)
    confirmed: bool | None  # OCR: an identity of the tables holds exactly with this value
    review_reason: str | None  # OCR: why the value needs a person's look; NULL = trusted


# Tables the document says it contains (its 目录), named by title alone (extract.toc), and
# whether a table of that name was found: what completeness rules read.
class ListedTable(TypedDict):
    document_id: str
    list_seq: int | None  # order in the 目录, 1-based
    source: str | None  # toc (the document's 目录)
    printed_title: str | None  # as listed, without ordinal leaders and page number
    normalised_title: str | None
    table_name: str | None  # catalog id named by the title, NULL when none or ambiguous
    title_score: float | None
    is_ambiguous: bool | None
    is_found: bool | None  # a table of that name (or that normalised title) was extracted
    found_table_seq: int | None  # the first such table (extracted_table.table_seq)
    printed_page: int | None  # first page outside the 目录 printing that title, NULL when none
    page: int | None  # page of the 目录


# Figures stated in the narrative (情况说明), each with the sentence it came from.
class NarrativeFigure(TypedDict):
    document_id: str
    figure_seq: int | None
    section: str | None  # heading of the section the sentence is in
    topic: str | None  # what the figure is about, e.g. 收支总计, 财政拨款收入, 2010301
    subject_code: str | None  # when the sentence names a 类/款/项 path
    figure_kind: str | None  # amount | change_amount | change_pct | share_pct | budget | final | completion_pct | count
    direction: str | None  # increase | decrease | flat | NULL
    value: Amount | None
    unit: str | None  # 万元 | % | 个 | 人次 | 辆 | 批次 | 台(套)
    value_text: str | None
    reason: str | None  # stated reason (主要原因…), when any
    sentence: str | None
    page: int | None
    x0: float | None
    top: float | None
    x1: float | None
    bottom: float | None


# 项目支出绩效自评表: one row per project (funds are table_cell rows of table 'performance_self_assessment').
class PerformanceProject(TypedDict):
    document_id: str
    table_seq: int | None
    project_name: str | None
    implementing_unit: str | None
    goal_planned: str | None
    goal_achieved: str | None
    page: int | None


class PerformanceIndicator(TypedDict):
    document_id: str
    table_seq: int | None
    indicator_seq: int | None
    level1: str | None  # 一级指标
    level2: str | None  # 二级指标
    level3: str | None  # 三级指标
    target_value: str | None  # 年度指标值
    actual_value: str | None  # 实际完成值
    deviation_reason: str | None  # 偏差原因分析及改进措施
    page: int | None


# 绩效目标表 (extract.perf_target): one row per indicator (or per project without indicators),
# the project's name, units, funds and goal repeated; the table's amounts are table_cell rows.
class PerformanceTarget(TypedDict):
    document_id: str
    table_seq: int | None
    table_name: str | None  # budget_performance_target | budget_performance_department
    target_seq: int | None  # order within the table, 1-based
    project_name: str | None  # 项目名称 (NULL for a 部门整体 table)
    department: str | None  # 主管部门 / 单位名称
    implementing_unit: str | None  # 实施单位
    goal: str | None  # 年度目标 / 绩效目标
    level1: str | None  # 一级指标
    level2: str | None  # 二级指标
    level3: str | None  # 三级指标 / 指标名称
    target_value: str | None  # 指标值 as printed (≥90%, ≤184.94万元)
    unit_of_measure: str | None  # 计量单位 when printed apart
    funds_text: str | None  # 资金总额 / 预算数 as printed
    funds_printed: Amount | None  # that amount in the printed unit
    unit: str | None  # 万元 | 元 | NULL: the unit of funds_printed
    page: int | None


# Normalised text of every page (template residue, completeness sentences, narrative rules).
class PageText(TypedDict):
    document_id: str
    page: int | None
    text: str | None
    text_source: str | None  # text (text layer) | ocr (scanned page read) | unread (OCR off or over time)
    ocr_confidence: float | None  # mean character probability of the page's OCR
    ocr_seconds: float | None


RECORDS: dict[str, type] = {
    "document": Document,
    "extracted_table": ExtractedTable,
    "table_cell": TableCell,
    "listed_table": ListedTable,
    "narrative_figure": NarrativeFigure,
    "performance_project": PerformanceProject,
    "performance_indicator": PerformanceIndicator,
    "performance_target": PerformanceTarget,
    "page_text": PageText,
}


def _arrow_type(tp) -> pa.DataType:
    if get_origin(tp) is Annotated:
        return tp.__metadata__[0]
    if get_origin(tp) in (Union, UnionType):
        (inner,) = [a for a in get_args(tp) if a is not type(None)]
        return _arrow_type(inner)
    return _ARROW[tp]


def columns(record: type) -> tuple[str, ...]:
    """The record's field names, in column order."""
    return tuple(get_type_hints(record))


def schema_of(record: type) -> pa.Schema:
    """The Arrow schema of a record type (its fields in order, every one nullable)."""
    return pa.schema([(name, _arrow_type(tp)) for name, tp in get_type_hints(record, include_extras=True).items()])


SCHEMAS: dict[str, pa.Schema] = {name: schema_of(record) for name, record in RECORDS.items()}
DOCUMENT = SCHEMAS["document"]
EXTRACTED_TABLE = SCHEMAS["extracted_table"]
TABLE_CELL = SCHEMAS["table_cell"]
LISTED_TABLE = SCHEMAS["listed_table"]
NARRATIVE_FIGURE = SCHEMAS["narrative_figure"]
PERFORMANCE_PROJECT = SCHEMAS["performance_project"]
PERFORMANCE_INDICATOR = SCHEMAS["performance_indicator"]
PERFORMANCE_TARGET = SCHEMAS["performance_target"]
PAGE_TEXT = SCHEMAS["page_text"]


def replace_folder(tmp: Path, out_dir: Path) -> None:
    """Put a fully written folder in place of a document's extracted folder: a reader sees the
    old folder or the new one, never a mix (extraction writes, and the object store's local
    copy is refreshed, through this)."""
    old = None
    if out_dir.exists():
        old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
        os.replace(out_dir, old)
    os.replace(tmp, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
