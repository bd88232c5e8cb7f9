"""Tests of accounts: registration, login, password reset, profile, roles."""
