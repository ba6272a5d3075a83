-- One row per table instance found in every registered document (current or not): which
-- tables a disclosure printed, where, in which unit, and which were printed empty.
-- Incremental by document, like fct_fiscal_line (dbt/macros/night.sql).
{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ night_delete() }}") }}
-- depends_on: {{ source('raw', 'night_affected') }}
select
    md5(concat_ws('|', t.document_id, t.table_seq))  as document_table_id,
    t.document_id,
    {{ document_columns('d') }}
    d.status                                         as document_status,
    t.table_seq,
    t.table_name,
    t.is_mapped,
    t.printed_number,
    t.printed_title,
    t.unit_printed,
    t.unit_factor,
    t.first_page,
    t.last_page,
    t.row_count,
    t.is_empty,
    t.empty_sentence,
    t.project_name,
    t.recognised_by,
    t.recognition_score,
    t.is_ambiguous,
    t.normalised_title,
    t.recognition_candidates,
    t.ruled,
    t.extraction_problem
from {{ ref('stg_extracted_table') }} as t
join {{ ref('int_document') }} as d using (document_id)
where {{ night_scope('t.document_id') }}
