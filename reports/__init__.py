"""Reports for people: the HTML quality report and the Excel workbooks (reports/build.py).

Kept free of imports: the night's skip test (dagster_project/defs/night.py) reads
``PENDING`` without loading the report code.
"""

PENDING = ".pending_documents.json"  # documents whose department workbooks a failed build left to write
