-- One row per canonical department: named in the alias seed or identified in a document.
with seed as (
    select * from {{ ref('department_aliases') }}
),
names as (
    select department_name from seed where department_name is not null
    union
    select parent_department_name from seed where parent_department_name is not null
    union
    select department_name from {{ ref('int_document') }} where department_name is not null and not is_template
),
seed_by_name as (
    select
        department_name,
        list(distinct alias order by alias)  as aliases,
        max(parent_department_name)          as parent_department_name
    from seed
    group by department_name
),
documents as (
    select
        department_name,
        min(fiscal_year)                                   as first_fiscal_year,
        max(fiscal_year)                                   as last_fiscal_year,
        count(*) filter (where status = 'loaded')          as current_document_count,
        count(*)                                           as document_count
    from {{ ref('int_document') }}
    where department_name is not null and not is_template
    group by department_name
)
select
    md5(n.department_name)                                  as department_id,
    n.department_name,
    coalesce(s.aliases, []::varchar[])                      as aliases,
    case when s.parent_department_name is not null then 'unit' else 'department' end as scope,
    s.parent_department_name,
    case when s.parent_department_name is not null then md5(s.parent_department_name) end as parent_department_id,
    d.first_fiscal_year,
    d.last_fiscal_year,
    coalesce(d.current_document_count, 0)                   as current_document_count,
    coalesce(d.document_count, 0)                           as document_count
from names as n
left join seed_by_name as s using (department_name)
left join documents as d using (department_name)
