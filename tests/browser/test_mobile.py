"""A 360 px phone: nothing wider than the screen, captions that wrap, charts never drawn with
text under 10 px (they give way to their table), and a proposal list whose first result shows
in the first screen (the filters fold away)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.a11y import OVERFLOW
from tests.browser.pages import PAGES as ROLE_PAGES
from tests.browser.pages import ROLES, fill

# One worker serves the demo site for the module.
pytestmark = pytest.mark.xdist_group("mobile")

PHONE = {"viewport": {"width": 360, "height": 640}}
DESKTOP = {"viewport": {"width": 1366, "height": 800}}
PAGES = {
    "home": "/",
    "projects": "/projets",
    "project": "/projets/{consultation}",
    "list": "/projets/{consultation}/propositions",
    "proposal": "/propositions/{debated}",
    "synthesis": "/projets/{follow_up}/synthese",
}

# The size at which each chart text is drawn: its font size in user units times the scale of
# its SVG's viewBox on the screen (texts of a hidden chart have no box, and are not drawn).
CHART_TEXT = """() => Array.from(document.querySelectorAll('svg text')).map((t) => {
  const drawn = t.getBoundingClientRect().height > 0;
  const ctm = t.getScreenCTM();
  const size = parseFloat(getComputedStyle(t).fontSize) * (ctm ? Math.hypot(ctm.a, ctm.b) : 1);
  return {drawn, size, text: t.textContent.trim().slice(0, 30)};
})"""

# Table captions cut by the screen's right edge (a caption as wide as a table that scrolls).
CUT_CAPTIONS = """() => Array.from(document.querySelectorAll('caption'))
  .filter((c) => c.getBoundingClientRect().right > window.innerWidth + 1)
  .map((c) => `${c.textContent.trim().slice(0, 40)}`
    + ` (${Math.round(c.getBoundingClientRect().right)} px)`)"""

# Every element that scrolls sideways in the page: it must take the focus (so that a keyboard
# scrolls it) and have a name (what a screen reader says on reaching it).
SCROLLING_REGIONS = """() => Array.from(document.body.querySelectorAll('*'))
  .filter((el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX)
    && el.scrollWidth > el.clientWidth + 1)
  .map((el) => ({
    element: `${el.tagName.toLowerCase()}.${el.className}`,
    focusable: el.tabIndex >= 0,
    named: Boolean(el.getAttribute('aria-labelledby') || el.getAttribute('aria-label')),
  }))"""

FIRST_RESULT = """() => {
  const link = document.querySelector('ol.cards.proposals > li h2 a');
  if (!link) return null;
  const line = link.getClientRects()[0];
  return {top: line.top, bottom: line.bottom};
}"""


STAFF_LISTS = {role: [path for path in ROLE_PAGES[role]
                     if path.startswith(("/mediation", "/moderation", "/admin"))]
               for role in ("mediator", "moderator", "admin")}


@pytest.fixture(scope="module")
def phone(demo_site) -> Any:
    """One page in a 360 x 640 px window, anonymous."""
    return demo_site.visitor(None, **PHONE).context.new_page()


def open_page(page: Any, demo_site: Any, name: str) -> Any:
    """Go to one of PAGES; it must answer 200."""
    response = page.goto(demo_site.base_url + fill(PAGES[name], demo_site.world))
    assert response is not None and response.status == 200, name
    return page


@pytest.mark.parametrize("name", PAGES)
def test_nothing_wider_than_a_phone_and_captions_wrap(demo_site, phone, name):
    """No page scrolls sideways nor sticks out at 360 px; a wide table scrolls in its own
    region, with its caption wrapped within the screen."""
    page = open_page(phone, demo_site, name)
    found = page.evaluate(OVERFLOW)
    assert found["scrollWidth"] <= found["width"], found
    assert found["sticking"] == [] and found["clipped"] == [], found
    assert page.evaluate(CUT_CAPTIONS) == []


@pytest.mark.parametrize("name", ["project", "synthesis"])
def test_no_chart_text_under_10_px_on_a_phone(demo_site, phone, name):
    """Every chart text drawn at 360 px is at least 10 px high; the synthesis has charts, each
    followed by its data table."""
    page = open_page(phone, demo_site, name)
    texts = page.evaluate(CHART_TEXT)
    small = [t for t in texts if t["drawn"] and t["size"] < 10]
    assert small == []
    if name == "synthesis":
        assert texts, "the synthesis draws its charts"
        assert page.locator("figure + .table-wrap table").count() >= 3


def test_charts_are_drawn_on_a_desktop(demo_site):
    """On a wide screen the charts are shown, their text readable."""
    page = open_page(demo_site.visitor(None, **DESKTOP).context.new_page(), demo_site,
                     "synthesis")
    texts = page.evaluate(CHART_TEXT)
    assert texts and all(t["drawn"] for t in texts)
    assert min(t["size"] for t in texts) >= 10


def test_first_proposal_in_the_first_screen(demo_site, phone):
    """On the proposal list the filters are folded and the words field shown: the first
    result's title starts within the first 640 px."""
    page = open_page(phone, demo_site, "list")
    assert page.locator("details.more-filters").evaluate("d => d.open") is False
    assert page.locator("form.filters input[name=q]").is_visible()
    assert not page.locator("select[name=tri]").is_visible()
    first = page.evaluate(FIRST_RESULT)
    assert first is not None and first["bottom"] <= 640, first
    page.locator("details.more-filters summary").click()
    assert page.locator("select[name=tri]").is_visible()
    found = page.evaluate(OVERFLOW)  # open, the longest territory's name still fits
    assert found["scrollWidth"] <= found["width"] and found["sticking"] == [], found


def test_project_action_in_the_first_screens(demo_site, phone):
    """On a phone the project's main action and deadline come before its figures."""
    page = open_page(phone, demo_site, "project")
    action = page.locator(".next-step .actions a").first.bounding_box()
    figures = page.locator("#chiffres").bounding_box()
    assert action is not None and figures is not None
    assert action["y"] < figures["y"]
    assert page.locator(".next-step .deadline").is_visible()


# The lists and forms of staff at 320 px (WCAG 1.4.10: 1280 px zoomed to 400 %): the mediation
# pages, moderation and the admin lists. Opened by the role that sees them.
NARROW = {"viewport": {"width": 320, "height": 640}}
STAFF_PAGES = [(role, path) for role in ("mediator", "moderator", "admin")
               for path in STAFF_LISTS[role]]


@pytest.mark.parametrize(("role", "path"), STAFF_PAGES)
def test_staff_pages_do_not_scroll_sideways_at_320_px(demo_site, role, path):
    """At 320 px no mediation, moderation or admin page is wider than the window: a table
    scrolls inside its own focusable, labelled region, never the page."""
    page = demo_site.visitor(ROLES[role], **NARROW).open(fill(path, demo_site.world))
    assert page.status == 200, path
    found = page.evaluate(OVERFLOW)
    assert found["scrollWidth"] <= found["width"], found
    assert found["sticking"] == [], found
    regions = page.evaluate(SCROLLING_REGIONS)
    assert all(r["focusable"] and r["named"] for r in regions), regions
