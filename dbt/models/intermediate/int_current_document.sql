-- Documents whose records feed the marts: status 'loaded' (not superseded, not quarantined,
-- not a template), with the parts of the disclosure each one currently provides.
select
    document_id,
    disclosure_id,
    department_id,
    department_name,
    fiscal_year,
    doc_kind,
    scope,
    part,
    is_current_tables,
    is_current_narrative
from {{ ref('int_document') }}
where status = 'loaded'
  and not is_template
