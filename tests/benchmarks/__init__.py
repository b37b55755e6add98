"""Benchmarks run by ``make bench`` (``tests/benchmarks/run.py``); never collected by pytest."""
