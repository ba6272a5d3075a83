select
    document_id,
    cast(table_seq as integer)         as table_seq,
    table_name,
    cast(target_seq as integer)        as target_seq,
    project_name,
    department,
    implementing_unit,
    goal,
    level1,
    level2,
    level3,
    target_value,
    unit_of_measure,
    funds_text,
    cast(funds_printed as decimal(24, 6)) as funds_printed,
    unit,
    cast(page as integer)              as source_page
from {{ source('raw', 'performance_target') }}
where {{ not_held_back() }}
