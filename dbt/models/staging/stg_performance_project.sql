select
    document_id,
    cast(table_seq as integer)         as table_seq,
    project_name,
    implementing_unit,
    goal_planned,
    goal_achieved,
    cast(page as integer)              as source_page
from {{ source('raw', 'performance_project') }}
where {{ not_held_back() }}
