"""Benchmarks: `make bench` runs every benchmarks/bench_*.py and writes benchmarks/results.json."""
