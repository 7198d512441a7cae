"""Benchmarks: each measures against a baseline taken in the same run and prints a ratio.

Run one with `.venv/bin/python -m bench.<name>`, or all with `.venv/bin/python -m bench.run_all`.
"""
