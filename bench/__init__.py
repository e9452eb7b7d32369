"""Benchmarks: data generators and timing scripts, run by hand against PostgreSQL (never part of the tests)."""
