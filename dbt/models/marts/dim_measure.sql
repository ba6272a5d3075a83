-- Canonical measures (extract/catalog/measures.csv, copied as a seed), plus one row per
-- 'header:<header path>' measure: a printed column no catalog alias names yet (cells of
-- unrecognised tables and unnamed columns of recognised ones keep their header path so
-- that no printed number is lost; a later catalog alias turns them into a canonical one).
select
    measure,
    label_zh,
    direction,
    description
from {{ ref('measures') }}
union all
select distinct
    header_measure                                  as measure,
    substr(header_measure, length('header:') + 1)   as label_zh,
    'unknown'                                       as direction,
    'Column not named by the catalog; its printed header path' as description
from {{ ref('int_current_table_cell') }}
where header_measure is not null
