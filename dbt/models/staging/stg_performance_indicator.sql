select
    document_id,
    cast(table_seq as integer)         as table_seq,
    cast(indicator_seq as integer)     as indicator_seq,
    level1,
    level2,
    level3,
    target_value,
    actual_value,
    deviation_reason,
    cast(page as integer)              as source_page
from {{ source('raw', 'performance_indicator') }}
where {{ not_held_back() }}
