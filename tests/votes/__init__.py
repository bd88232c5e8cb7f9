"""Tests of supports: once per citizen, limits, counters, concurrency."""
