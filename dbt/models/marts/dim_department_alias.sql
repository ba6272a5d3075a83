-- The bureau-edited alias seed, resolved to department ids.
select
    alias,
    md5(department_name)        as department_id,
    department_name,
    nullif(scope, '')           as implied_scope,
    parent_department_name
from {{ ref('department_aliases') }}
where alias is not null
