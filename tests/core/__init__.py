"""Tests of the core package: markup, permissions registry, pagination."""
