"""Notifications by email: each as it happens, or gathered in daily and weekly digests."""

from __future__ import annotations


def send_immediate(event: str) -> int:
    """Email the notifications of one event to those who want each as it happens; how many."""
    return 0
