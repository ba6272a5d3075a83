-- 本级 + units printing more than their department's 汇总 (beyond the rounding allowance)
-- is a finding in the disclosures: warn, and keep it out of any total (the mart never adds both).
{{ config(severity = 'warn') }}
select *
from {{ ref('mart_level_reconciliation') }}
where parts_exceed_whole
