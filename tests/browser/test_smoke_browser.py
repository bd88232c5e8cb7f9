"""The browser harness itself: a page opens in Chromium, axe-core runs, the watch sees a dialog."""

from __future__ import annotations

from tests.browser.conftest import axe_violations


def test_home_opens_in_chromium_without_script_or_foreign_request(visitor):
    """The home page loads, runs no script, opens no dialog and asks no other host."""
    someone = visitor()
    page = someone.open("/")
    assert page.status == 200
    assert page.locator("main#contenu").count() == 1
    assert someone.watch.dialogs == []
    assert someone.watch.errors == []
    assert someone.watch.requests == []


def test_axe_runs_on_the_home_page(visitor):
    """axe-core loads and reports (the accessibility suite relies on it)."""
    page = visitor(bypass_csp=True).open("/")
    violations = axe_violations(page)
    assert isinstance(violations, list)
    assert [v for v in violations if v["impact"] in ("serious", "critical")] == []


def test_the_watch_catches_a_dialog(visitor):
    """A page that opens a dialog is caught: the XSS tests would not pass vacuously."""
    someone = visitor()
    page = someone.open("/")
    page.evaluate("() => alert('piège')")
    assert someone.watch.dialogs == ["alert: piège"]
