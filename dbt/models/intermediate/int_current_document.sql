-- Documents whose records feed the marts: status 'loaded' (not superseded, not quarantined,
-- not a template), with the parts of the disclosure each one currently provides, and
-- whether its figures count in a sum over departments.
with current_documents as (
    select *
    from {{ ref('int_document') }}
    where status = 'loaded'
      and not is_template
)
select
    document_id,
    disclosure_id,
    department_id,
    department_name,
    fiscal_year,
    doc_kind,
    scope,
    department_level,
    parent_department_id,
    parent_department_name,
    top_department_id,
    top_department_name,
    part,
    is_current_tables,
    is_current_narrative,
    -- The one way to sum over departments: a department's 汇总 document when it published one
    -- for that year and kind, else its 本级 and units' documents; a document whose level is
    -- unknown never counts (it is flagged for the operator in dim_document.review_items).
    case
        when scope = 'consolidated' then true
        when scope in ('own', 'unit')
            then not bool_or(scope = 'consolidated') over (partition by top_department_id, fiscal_year, doc_kind)
        else false
    end as counts_in_department_total
from current_documents
