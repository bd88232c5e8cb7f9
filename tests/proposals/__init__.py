"""Tests of the proposals domain."""
