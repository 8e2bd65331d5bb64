"""The streaming pipeline: logs of any size in memory bounded by the job's setting.

first pass (``ingest.first_pass.first_pass`` -> ``Decisions``) -> per batch
``enrich.enrich_batch`` (pure) -> driver books (cases, templates, totals) -> Parquet parts
in the job folder -> DuckDB sorts (``spill.Spill``) -> ``writers.SortedStream`` of
``BatchWriter``s -> the ZIP. See architecture.md, "Streaming pipeline".
"""
