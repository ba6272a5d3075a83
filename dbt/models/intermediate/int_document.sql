-- Every registered document with what extraction said about it: the basis of dim_document
-- and of the "current document" filters below. A document held back tonight (a dbt data test
-- failed on its rows, raw.document_hold) has status 'held_back': out of the current documents,
-- with the failing test(s) and a Chinese message in held_back_tests / reason.
with holds as (
    select
        document_id,
        string_agg(test_name, ', ' order by test_name) as held_back_tests,
        string_agg(message, '；' order by test_name)   as hold_message
    from {{ source('raw', 'document_hold') }}
    group by document_id
)
select
    r.document_id,
    r.disclosure_id,
    case when r.department_name is not null then md5(r.department_name) end as department_id,
    r.department_name,
    r.department_name_printed,
    r.fiscal_year,
    r.doc_kind,
    r.scope,
    r.part,
    r.is_template,
    case when h.document_id is not null then 'held_back' else r.status end as status,
    case when h.document_id is not null then h.hold_message else r.reason end as reason,
    h.held_back_tests,
    r.superseded_by,
    r.is_current_tables,
    r.is_current_narrative,
    r.extraction_status,
    coalesce(r.error_code, d.error_code) as error_code,
    d.error_message,
    r.file_name,
    r.file_path,
    r.file_paths,
    d.file_size,
    d.page_count,
    d.producer,
    d.name_conflicts,
    d.extractor_version,
    d.extracted_at,
    r.first_seen_at,
    r.last_seen_at,
    r.loaded_at
from {{ ref('stg_document_registry') }} as r
left join {{ ref('stg_document') }} as d using (document_id)
left join holds as h using (document_id)
