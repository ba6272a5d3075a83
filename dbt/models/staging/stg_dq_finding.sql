select
    finding_id,
    document_id,
    rule_id,
    severity,
    category,
    table_name,
    cast(page as integer)                  as source_page,
    row_key,
    measure,
    cast(expected as decimal(24, 6))       as expected,
    cast(printed as decimal(24, 6))        as printed,
    cast(difference as decimal(24, 6))     as difference,
    cast(tolerance as decimal(24, 6))      as tolerance,
    message
from {{ source('raw', 'dq_finding') }}
