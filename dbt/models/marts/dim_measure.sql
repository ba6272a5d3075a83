-- Canonical measures (extract/catalog/measures.csv, copied as a seed).
select
    measure,
    label_zh,
    direction,
    description
from {{ ref('measures') }}
