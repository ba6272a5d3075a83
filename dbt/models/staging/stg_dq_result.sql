select
    document_id,
    rule_id,
    rule_title,
    severity,
    category,
    status,
    detail
from {{ source('raw', 'dq_result') }}
