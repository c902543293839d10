"""Benchmarks: each bench_*.py prints its figures as `name: value unit` lines."""
