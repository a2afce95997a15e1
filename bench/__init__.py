"""Cercle benchmarks (see docs/benchmarks.md)."""
