"""Benchmark scaffold for glmgen: shared problems (``problems.py``), timing helpers and ``bench_*.py`` scripts.

A package so that tests can ``from benchmarks.problems import load_problem``
when the repository root is on ``sys.path``.
"""
