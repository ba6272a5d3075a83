-- Table cells of the documents that currently provide their disclosure's tables, with the
-- document's attributes; one row per printed cell. A table (the marts read it many times),
-- incremental by document: an incremental night recomputes tonight's affected documents only
-- (dbt/macros/night.sql, warehouse/incremental.py).
{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ night_delete() }}") }}
-- depends_on: {{ source('raw', 'night_affected') }}
select
    {{ fiscal_line_id('c') }} as fiscal_line_id,
    c.document_id,
    {{ document_columns('d') }}
    d.department_level,
    d.top_department_id,
    d.top_department_name,
    d.counts_in_department_total,
    c.table_seq,
    -- a table no catalog template names: 'unrecognised:<normalised title>' (no number lost)
    case when c.table_name = 'unmapped'
         then 'unrecognised:' || coalesce(t.normalised_title, '无标题') else c.table_name end as table_name,
    c.row_index,
    c.col_index,
    c.row_key,
    c.side,
    c.classification,
    c.subject_code,
    case when c.subject_code is not null and c.classification in ('functional', 'economic')
         then c.classification || ':' || c.subject_code end as subject_key,
    coalesce(c.subject_level,
             case when c.subject_code is null then null
                  when length(c.subject_code) = 3 then 1
                  when length(c.subject_code) = 5 then 2
                  when length(c.subject_code) = 7 then 3 end) as subject_level,
    c.parent_code,
    c.line_name,
    c.row_number,
    c.measure,
    -- what fct_fiscal_line calls a column no catalog alias names: 'header:<header path>'
    -- without 栏次 numbers ('header:列N' without a header); NULL when the catalog names it
    case when c.measure is null then 'header:' || coalesce(
        nullif(array_to_string(list_filter(string_split(coalesce(c.header_path, ''), '/'),
                                           lambda x: x <> '' and not regexp_full_match(x, '[0-9*#—-]+')), '/'), ''),
        '列' || cast(c.col_index + 1 as varchar)) end as header_measure,
    c.phase,
    c.header_path,
    c.value_text,
    c.value_kind,
    c.amount,
    c.amount_printed,
    c.source_page,
    c.x0,
    c.top,
    c.x1,
    c.bottom,
    c.value_source,
    c.confidence,
    c.confirmed,
    c.review_reason
from {{ ref('stg_table_cell') }} as c
left join {{ ref('stg_extracted_table') }} as t
  on t.document_id = c.document_id
 and t.table_seq = c.table_seq
join {{ ref('int_current_document') }} as d
  on d.document_id = c.document_id
 and d.is_current_tables
where {{ night_scope('c.document_id') }}
