-- One row per printed amount cell of a disclosure table, of current documents only.
-- Performance self-assessment funds are in fct_project_performance; text cells are left out.
-- No number lost: a table no template names ('unrecognised:<normalised title>') and a column
-- no catalog alias names ('header:<header path>') are here too, with their row keys.
-- Incremental by document, like int_current_table_cell (dbt/macros/night.sql).
{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ night_delete() }}") }}
-- depends_on: {{ source('raw', 'night_affected') }}
select
    fiscal_line_id,
    document_id,
    disclosure_id,
    department_id,
    department_name,
    fiscal_year,
    doc_kind,
    scope,
    department_level,
    top_department_id,
    top_department_name,
    counts_in_department_total,
    table_seq,
    table_name,
    side,
    row_key,
    classification,
    subject_key,
    subject_code,
    subject_level,
    line_name,
    row_number,
    coalesce(measure, header_measure) as measure,
    phase,
    amount,
    value_kind,
    value_text,
    source_page,
    x0,
    top,
    x1,
    bottom,
    value_source,
    confidence,
    confirmed,
    review_reason,
    review_reason is not null as needs_review
from {{ ref('int_current_table_cell') }}
where coalesce(measure, header_measure) is not null
  and table_name <> 'performance_self_assessment'
  and value_kind is distinct from 'text'
  and {{ night_scope() }}
