"""Accounts: registration, login, password reset, profile and role management."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from consultation.accounts import permissions, views  # noqa: E402,F401
