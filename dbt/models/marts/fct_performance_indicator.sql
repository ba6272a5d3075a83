-- Indicator rows (一级/二级/三级指标) of current documents' performance self-assessments.
-- Incremental by document, like fct_fiscal_line (dbt/macros/night.sql).
{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ night_delete() }}") }}
-- depends_on: {{ source('raw', 'night_affected') }}
select
    md5(concat_ws('|', i.document_id, i.table_seq, i.indicator_seq))  as indicator_id,
    md5(concat_ws('|', i.document_id, i.table_seq))                   as project_id,
    i.document_id,
    d.disclosure_id,
    d.department_id,
    d.department_name,
    d.fiscal_year,
    d.doc_kind,
    i.table_seq,
    p.project_name,
    i.indicator_seq,
    i.level1,
    i.level2,
    i.level3,
    i.target_value,
    i.actual_value,
    i.deviation_reason,
    i.source_page
from {{ ref('stg_performance_indicator') }} as i
join {{ ref('int_current_document') }} as d
  on d.document_id = i.document_id
 and d.is_current_tables
left join {{ ref('stg_performance_project') }} as p
  on p.document_id = i.document_id
 and p.table_seq = i.table_seq
where {{ night_scope('i.document_id') }}
