-- One row per (classification, subject code): every code in the reference seed or seen in a
-- table. The name is the latest printed one (dim_subject_name_by_year), else the reference.
with observed as (
    select classification, subject_code, max(subject_level) as subject_level
    from {{ ref('int_subject_observed') }}
    group by classification, subject_code
),
latest_name as (
    select classification, subject_code, subject_name, fiscal_year
    from {{ ref('dim_subject_name_by_year') }}
    qualify row_number() over (partition by classification, subject_code order by fiscal_year desc) = 1
),
reference as (
    select classification, subject_code, subject_name, level
    from {{ ref('subject_codes') }}
),
codes as (
    select classification, subject_code from observed
    union
    select classification, subject_code from reference
)
select
    c.classification || ':' || c.subject_code                          as subject_key,
    c.classification,
    c.subject_code,
    coalesce(o.subject_level, r.level,
             case length(c.subject_code) when 3 then 1 when 5 then 2 when 7 then 3 end) as subject_level,
    case length(c.subject_code) when 5 then left(c.subject_code, 3)
                                when 7 then left(c.subject_code, 5) end as parent_code,
    case length(c.subject_code) when 5 then c.classification || ':' || left(c.subject_code, 3)
                                when 7 then c.classification || ':' || left(c.subject_code, 5) end as parent_subject_key,
    coalesce(l.subject_name, r.subject_name)                           as subject_name,
    l.fiscal_year                                                      as subject_name_year,
    r.subject_name                                                     as reference_name,
    o.subject_code is not null                                         as is_observed
from codes as c
left join observed as o using (classification, subject_code)
left join latest_name as l using (classification, subject_code)
left join reference as r using (classification, subject_code)
