"""Notification rules."""

from consultation.core.permissions import is_authenticated, rule

rule("notifications.settings", is_authenticated)
