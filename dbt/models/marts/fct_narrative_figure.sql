-- Figures stated in the 情况说明 of current documents (those providing their disclosure's narrative).
-- Incremental by document, like fct_fiscal_line (dbt/macros/night.sql).
{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ night_delete() }}") }}
-- depends_on: {{ source('raw', 'night_affected') }}
select
    md5(concat_ws('|', f.document_id, f.figure_seq))  as figure_id,
    f.document_id,
    {{ document_columns('d') }}
    d.department_level,
    d.top_department_id,
    d.counts_in_department_total,
    f.figure_seq,
    f.section,
    f.topic,
    f.subject_code,
    f.figure_kind,
    f.direction,
    f.value,
    f.unit,
    f.value_text,
    f.reason,
    f.sentence,
    f.source_page,
    f.x0,
    f.top,
    f.x1,
    f.bottom
from {{ ref('stg_narrative_figure') }} as f
join {{ ref('int_current_document') }} as d
  on d.document_id = f.document_id
 and d.is_current_narrative
where {{ night_scope('f.document_id') }}
