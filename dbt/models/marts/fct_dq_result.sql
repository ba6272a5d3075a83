-- Every rule evaluated for every document (pass | fail | not_applicable | insufficient_data),
-- with the document's department, year and load status. Empty until the rules have run.
-- Incremental by document, like fct_fiscal_line (dbt/macros/night.sql).
{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ night_delete() }}") }}
-- depends_on: {{ source('raw', 'night_affected') }}
select
    md5(concat_ws('|', r.document_id, r.rule_id, row_number() over (partition by r.document_id, r.rule_id order by r.status, r.detail))) as dq_result_id,
    r.document_id,
    {{ document_columns('d') }}
    d.status          as document_status,
    r.rule_id,
    r.rule_title,
    r.severity,
    r.category,
    r.status,
    r.detail
from {{ ref('stg_dq_result') }} as r
left join {{ ref('int_document') }} as d using (document_id)
where {{ night_scope('r.document_id') }}
