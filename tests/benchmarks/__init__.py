"""Benchmarks: scripts that print figures, not tests (pytest collects none)."""
