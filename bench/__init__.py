"""Benchmarks: each measures Sitrep against a baseline in the same run (see docs/benchmarks.md)."""
