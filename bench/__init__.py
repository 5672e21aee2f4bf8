"""Benchmarks, run as ``python -m bench.<name>``; results go to docs/performance.md."""
