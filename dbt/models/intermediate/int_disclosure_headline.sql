-- One row per current disclosure × headline figure (收入/支出 totals, 基本/项目, 人员/公用,
-- 三公, 机关运行经费), taken from the highest-priority table listed for that figure in
-- seeds/headline_figures.csv, with the cell's lineage.
with sources as (
    select * from {{ ref('headline_figures') }}
),
candidates as (
    select
        c.disclosure_id,
        s.figure,
        s.priority,
        c.amount,
        c.document_id,
        c.table_name,
        c.table_seq,
        c.row_index,
        c.row_key,
        c.source_page
    from {{ ref('int_current_table_cell') }} as c
    join sources as s
      on c.table_name = s.table_name
     and c.measure = s.measure
     and (s.row_key is null or c.row_key = s.row_key)
     and (s.line_name_like is null or c.line_name like s.line_name_like)
     and (s.phase is null or c.phase = s.phase)
    where c.amount is not null
)
select
    disclosure_id,
    figure,
    amount,
    document_id,
    table_name,
    row_key,
    source_page,
    priority
from candidates
qualify row_number() over (
    partition by disclosure_id, figure
    order by priority, table_seq, row_index, document_id
) = 1
