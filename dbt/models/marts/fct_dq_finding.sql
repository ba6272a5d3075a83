-- Every failing check with where it is (document, page, table, row, measure) and expected vs
-- printed amounts. Empty until the rules have run.
-- Incremental by document, like fct_fiscal_line (dbt/macros/night.sql).
{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ night_delete() }}") }}
-- depends_on: {{ source('raw', 'night_affected') }}
select
    coalesce(f.finding_id,
             md5(concat_ws('|', f.document_id, f.rule_id, f.table_name, f.row_key, f.measure, f.source_page))) as finding_id,
    f.document_id,
    {{ document_columns('d') }}
    d.status          as document_status,
    d.file_name,
    f.rule_id,
    f.severity,
    f.category,
    f.table_name,
    f.source_page,
    f.row_key,
    f.measure,
    f.expected,
    f.printed,
    f.difference,
    f.tolerance,
    f.message
from {{ ref('stg_dq_finding') }} as f
left join {{ ref('int_document') }} as d using (document_id)
where {{ night_scope('f.document_id') }}
