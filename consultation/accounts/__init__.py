"""Accounts: registration, login, password reset, profile and role management."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from consultation.accounts import permissions, personal_data, views  # noqa: E402,F401
