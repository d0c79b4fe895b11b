"""History for benchmarks and demos: one simulated day extracted and validated through the normal
path (``seed.py``), earlier days derived from it in SQL (``generate.py``). docs/operations.md
«Generated history»."""
