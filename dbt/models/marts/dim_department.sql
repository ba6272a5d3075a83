-- One row per canonical department or unit: named in the alias seed or identified in a
-- non-template document.  The hierarchy 主管部门 → 本级 → units: a unit names its parent
-- (the 主管部门 its documents print, else the seed's); a department's 本级 documents are its
-- own (document scope own, counted in own_document_count), not a separate department.
with seed as (
    select * from {{ ref('department_aliases') }}
),
docs as (
    select * from {{ ref('int_document') }}
    where department_name is not null and not is_template
),
names as (
    select department_name from seed where department_name is not null
    union
    select parent_department_name from seed where parent_department_name is not null
    union
    select department_name from docs
    union
    select parent_department_name from docs where parent_department_name is not null
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
        count(*)                                           as document_count,
        count(*) filter (where scope = 'consolidated')     as consolidated_document_count,
        count(*) filter (where scope = 'own')              as own_document_count,
        count(*) filter (where scope = 'unit')             as unit_document_count,
        bool_or(scope = 'unit')                            as publishes_as_unit,
        -- the 主管部门 printed by its unit documents (a unit may print it on only some)
        max(parent_department_name) filter (where scope = 'unit') as printed_parent_department_name
    from docs
    group by department_name
),
resolved as (
    select
        n.department_name,
        s.aliases,
        coalesce(d.printed_parent_department_name, s.parent_department_name) as parent_department_name,
        coalesce(d.publishes_as_unit, false) or s.parent_department_name is not null as is_unit,
        d.*  exclude (department_name)
    from names as n
    left join seed_by_name as s using (department_name)
    left join documents as d using (department_name)
)
select
    md5(department_name)                                    as department_id,
    department_name,
    coalesce(aliases, []::varchar[])                        as aliases,
    case when is_unit then 'unit' else 'department' end     as scope,
    case when is_unit then '单位' else '部门' end             as department_level,
    parent_department_name,
    case when parent_department_name is not null then md5(parent_department_name) end as parent_department_id,
    first_fiscal_year,
    last_fiscal_year,
    coalesce(current_document_count, 0)                     as current_document_count,
    coalesce(document_count, 0)                             as document_count,
    coalesce(consolidated_document_count, 0)                as consolidated_document_count,
    coalesce(own_document_count, 0)                         as own_document_count,
    coalesce(unit_document_count, 0)                        as unit_document_count
from resolved
