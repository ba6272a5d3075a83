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
    -- 汇总 = a department's consolidated document, 本级 = its own office only, 单位 = a
    -- subordinate unit; a sum over departments takes 汇总 or 本级 + 单位, never both
    case r.scope when 'consolidated' then '汇总' when 'own' then '本级' when 'unit' then '单位' else '未知' end
                                                                     as department_level,
    r.parent_department_name,
    case when r.parent_department_name is not null then md5(r.parent_department_name) end as parent_department_id,
    -- the department a document rolls up to (itself, or the 主管部门 of a 本级 / unit document)
    case when r.scope in ('own', 'unit') and r.parent_department_name is not null
         then r.parent_department_name else r.department_name end   as top_department_name,
    case when coalesce(case when r.scope in ('own', 'unit') then r.parent_department_name end, r.department_name)
              is not null
         then md5(coalesce(case when r.scope in ('own', 'unit') then r.parent_department_name end, r.department_name))
    end                                                              as top_department_id,
    r.identity_confidence,
    r.needs_review,
    r.review_items,
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
    d.identity_evidence,
    d.extractor_version,
    d.extracted_at,
    r.first_seen_at,
    r.last_seen_at,
    r.loaded_at
from {{ ref('stg_document_registry') }} as r
left join {{ ref('stg_document') }} as d using (document_id)
left join holds as h using (document_id)
