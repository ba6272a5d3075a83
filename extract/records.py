"""The records extraction produces, as Arrow schemas.

This module is the contract between ``extract/`` (writer), ``warehouse/``
(loader into the DuckDB ``raw`` schema), ``expectations/`` (rules) and
``dbt/`` (sources).  Every record carries its lineage: ``document_id`` (the
file's sha256), ``page`` (1-based) and a bounding box in PDF points
(``x0, top, x1, bottom``, origin top-left, as pdfplumber reports them).

Amounts are exact decimals: ``DECIMAL(24, 6)`` in 万元 (a 元 table divided by
10 000 keeps every digit), never floats.  A printed ``-``, ``—`` or blank is
``NULL`` with ``value_kind`` saying which; a printed ``0.00`` is ``0``.
"""
from __future__ import annotations

import pyarrow as pa

AMOUNT = pa.decimal128(24, 6)
RATIO = pa.decimal128(18, 6)

# One row per file ever extracted (one per document_id).
DOCUMENT = pa.schema(
    [
        ("document_id", pa.string()),  # sha256 of the file bytes, hex
        ("file_name", pa.string()),  # name as found in the landing folder
        ("file_path", pa.string()),  # path relative to the landing folder
        ("file_size", pa.int64()),
        ("page_count", pa.int32()),
        ("producer", pa.string()),  # PDF /Producer (or /Creator) metadata
        ("department_name", pa.string()),  # as identified from the content
        ("fiscal_year", pa.int32()),
        ("doc_kind", pa.string()),  # final (决算) | budget (预算)
        ("scope", pa.string()),  # consolidated (汇总) | own (本级) | unit | unknown
        ("part", pa.string()),  # full | narrative | tables (split disclosures)
        ("is_template", pa.bool_()),  # a blank template (XX placeholders), not a department's disclosure
        ("parent_department", pa.string()),  # 主管部门 of an own (本级) / unit document, as printed or inferred
        ("identity_confidence", pa.float64()),  # 0–1, the weakest of department / year / kind / scope
        ("identity_review", pa.string()),  # JSON list of {field, code, message}: what the operator must confirm
        ("identity_evidence", pa.string()),  # JSON list of {field, value, source, page, text}
        ("status", pa.string()),  # extracted | quarantined
        ("error_code", pa.string()),  # typed error when quarantined (see extract.errors)
        ("error_message", pa.string()),  # what it is and what a person can do
        ("name_conflicts", pa.string()),  # JSON list of file-name vs content disagreements
        ("extractor_version", pa.string()),
        ("extracted_at", pa.timestamp("us", tz="UTC")),
        ("extract_seconds", pa.float64()),
    ]
)

# One row per table instance found in a document (a table stitched across pages is one instance).
EXTRACTED_TABLE = pa.schema(
    [
        ("document_id", pa.string()),
        ("table_seq", pa.int32()),  # order of the table in the document, 1-based
        ("table_name", pa.string()),  # catalog id, or 'unmapped' (fct_fiscal_line: 'unrecognised:<normalised_title>')
        ("is_mapped", pa.bool_()),  # a catalog template names it
        ("printed_number", pa.string()),  # 公开NN表 as printed, if any
        ("printed_title", pa.string()),
        ("unit_printed", pa.string()),  # 万元 | 元 | None when the table prints no unit
        ("unit_factor", AMOUNT),  # multiply printed amounts by this to get 万元
        ("first_page", pa.int32()),
        ("last_page", pa.int32()),
        ("row_count", pa.int32()),
        ("is_empty", pa.bool_()),  # printed with headers only
        ("empty_sentence", pa.string()),  # the 本单位没有… sentence found after an empty table
        ("project_name", pa.string()),  # performance tables: the printed 项目名称
        ("recognised_by", pa.string()),  # title | header | both | NULL (unrecognised or ambiguous)
        ("recognition_score", pa.float64()),  # best template's score (0–1; extract.recognize)
        ("is_ambiguous", pa.bool_()),  # two templates scored alike: left unnamed, candidates kept
        ("normalised_title", pa.string()),  # title without numbering, year, department, 情况表/预算表
        ("recognition_candidates", pa.string()),  # JSON [[template id, score], …] best first
        ("ruled", pa.bool_()),  # drawn with ruling lines; False: columns/rows found from text positions
        ("extraction_problem", pa.string()),  # why a table that prints amounts yielded none (with page)
    ]
)

# One row per printed cell of a table body (header cells are in header_path).
TABLE_CELL = pa.schema(
    [
        ("document_id", pa.string()),
        ("table_seq", pa.int32()),
        ("table_name", pa.string()),
        ("row_index", pa.int32()),  # 0-based data row within the stitched table
        ("col_index", pa.int32()),  # 0-based grid column
        ("row_key", pa.string()),  # subject_code, or '{side}:{row_number}', or a label
        ("side", pa.string()),  # income | expenditure for two-sided tables, else NULL
        ("subject_code", pa.string()),  # 功能分类 / 经济分类 code when the row has one
        ("classification", pa.string()),  # functional | economic | none
        ("subject_level", pa.int32()),  # 1 类, 2 款, 3 项 (NULL when no code)
        ("parent_code", pa.string()),
        ("line_name", pa.string()),  # printed row label, normalised, ordinal prefix kept
        ("row_number", pa.int32()),  # 行次 as printed, if any
        ("measure", pa.string()),  # canonical measure (measures.csv) or NULL (fct_fiscal_line: 'header:<header path>')
        ("phase", pa.string()),  # budget | final | initial_budget | adjusted_budget
        ("header_path", pa.string()),  # printed header texts joined with '/'
        ("value_text", pa.string()),  # the cell text exactly as extracted (normalised)
        ("value_kind", pa.string()),  # number | percent | zero | blank | dash | text
        ("amount", AMOUNT),  # in 万元 (or the ratio for percent cells); NULL when no value
        ("amount_printed", AMOUNT),  # the number as printed, in the printed unit
        ("page", pa.int32()),
        ("x0", pa.float64()),
        ("top", pa.float64()),
        ("x1", pa.float64()),
        ("bottom", pa.float64()),
        # where the value was read: text (the PDF's text layer) | ocr (a scanned page)
        ("value_source", pa.string()),
        ("confidence", pa.float64()),  # OCR: the least sure character's probability (0 = ink not read)
        ("confirmed", pa.bool_()),  # OCR: an identity of the tables holds exactly with this value
        ("review_reason", pa.string()),  # OCR: why the value needs a person's look; NULL = trusted
    ]
)

# Tables the document says it contains (its 目录), named by title alone (extract.toc), and
# whether a table of that name was found: what completeness rules read.
LISTED_TABLE = pa.schema(
    [
        ("document_id", pa.string()),
        ("list_seq", pa.int32()),  # order in the 目录, 1-based
        ("source", pa.string()),  # toc (the document's 目录)
        ("printed_title", pa.string()),  # as listed, without ordinal leaders and page number
        ("normalised_title", pa.string()),
        ("table_name", pa.string()),  # catalog id named by the title, NULL when none or ambiguous
        ("title_score", pa.float64()),
        ("is_ambiguous", pa.bool_()),
        ("is_found", pa.bool_()),  # a table of that name (or that normalised title) was extracted
        ("found_table_seq", pa.int32()),  # the first such table (extracted_table.table_seq)
        ("printed_page", pa.int32()),  # first page outside the 目录 printing that title, NULL when none
        ("page", pa.int32()),  # page of the 目录
    ]
)

# Figures stated in the narrative (情况说明), each with the sentence it came from.
NARRATIVE_FIGURE = pa.schema(
    [
        ("document_id", pa.string()),
        ("figure_seq", pa.int32()),
        ("section", pa.string()),  # heading of the section the sentence is in
        ("topic", pa.string()),  # what the figure is about, e.g. 收支总计, 财政拨款收入, 2010301
        ("subject_code", pa.string()),  # when the sentence names a 类/款/项 path
        ("figure_kind", pa.string()),  # amount | change_amount | change_pct | share_pct | budget | final | completion_pct | count
        ("direction", pa.string()),  # increase | decrease | flat | NULL
        ("value", AMOUNT),
        ("unit", pa.string()),  # 万元 | % | 个 | 人次 | 辆 | 批次 | 台(套)
        ("value_text", pa.string()),
        ("reason", pa.string()),  # stated reason (主要原因…), when any
        ("sentence", pa.string()),
        ("page", pa.int32()),
        ("x0", pa.float64()),
        ("top", pa.float64()),
        ("x1", pa.float64()),
        ("bottom", pa.float64()),
    ]
)

# 项目支出绩效自评表: one row per project (funds are table_cell rows of table 'performance_self_assessment').
PERFORMANCE_PROJECT = pa.schema(
    [
        ("document_id", pa.string()),
        ("table_seq", pa.int32()),
        ("project_name", pa.string()),
        ("implementing_unit", pa.string()),
        ("goal_planned", pa.string()),
        ("goal_achieved", pa.string()),
        ("page", pa.int32()),
    ]
)

PERFORMANCE_INDICATOR = pa.schema(
    [
        ("document_id", pa.string()),
        ("table_seq", pa.int32()),
        ("indicator_seq", pa.int32()),
        ("level1", pa.string()),  # 一级指标
        ("level2", pa.string()),  # 二级指标
        ("level3", pa.string()),  # 三级指标
        ("target_value", pa.string()),  # 年度指标值
        ("actual_value", pa.string()),  # 实际完成值
        ("deviation_reason", pa.string()),  # 偏差原因分析及改进措施
        ("page", pa.int32()),
    ]
)

# 绩效目标表 (extract.perf_target): one row per indicator (or per project without indicators),
# the project's name, units, funds and goal repeated; the table's amounts are table_cell rows.
PERFORMANCE_TARGET = pa.schema(
    [
        ("document_id", pa.string()),
        ("table_seq", pa.int32()),
        ("table_name", pa.string()),  # budget_performance_target | budget_performance_department
        ("target_seq", pa.int32()),  # order within the table, 1-based
        ("project_name", pa.string()),  # 项目名称 (NULL for a 部门整体 table)
        ("department", pa.string()),  # 主管部门 / 单位名称
        ("implementing_unit", pa.string()),  # 实施单位
        ("goal", pa.string()),  # 年度目标 / 绩效目标
        ("level1", pa.string()),  # 一级指标
        ("level2", pa.string()),  # 二级指标
        ("level3", pa.string()),  # 三级指标 / 指标名称
        ("target_value", pa.string()),  # 指标值 as printed (≥90%, ≤184.94万元)
        ("unit_of_measure", pa.string()),  # 计量单位 when printed apart
        ("funds_text", pa.string()),  # 资金总额 / 预算数 as printed
        ("funds_printed", AMOUNT),  # that amount in the printed unit
        ("unit", pa.string()),  # 万元 | 元 | NULL: the unit of funds_printed
        ("page", pa.int32()),
    ]
)

# Normalised text of every page (template residue, completeness sentences, narrative rules).
PAGE_TEXT = pa.schema(
    [
        ("document_id", pa.string()),
        ("page", pa.int32()),
        ("text", pa.string()),
        ("text_source", pa.string()),  # text (text layer) | ocr (scanned page read) | unread (OCR off or over time)
        ("ocr_confidence", pa.float64()),  # mean character probability of the page's OCR
        ("ocr_seconds", pa.float64()),
    ]
)

SCHEMAS: dict[str, pa.Schema] = {
    "document": DOCUMENT,
    "extracted_table": EXTRACTED_TABLE,
    "table_cell": TABLE_CELL,
    "listed_table": LISTED_TABLE,
    "narrative_figure": NARRATIVE_FIGURE,
    "performance_project": PERFORMANCE_PROJECT,
    "performance_indicator": PERFORMANCE_INDICATOR,
    "performance_target": PERFORMANCE_TARGET,
    "page_text": PAGE_TEXT,
}
