"""Experiments: one module per paradigm, each runnable as `python -m experiments.NAME`."""
