"""Tests of comments: stances, counters, threads, permissions."""
