"""Cross-site scripting in Chromium: the corpus in every field, nothing ever runs.

tests/security/xss_seed.py fills every field a user can fill with the corpus of
tests/security/xss_payloads.py (each payload opens a dialog, logs `XSS-<n>`, retitles the page
or leaves a `data-xss` element if it runs). Each page that shows them is opened by the person
who may see it, hovered, tabbed through and had its elements sent mouse and focus events; then:
no dialog, no page error, no console message from a payload, no request to another host, and in
the DOM no script, no `on*` attribute, no marker, no `javascript:` or `data:` URL, no frame,
object, embed, base, refresh, form or SVG script; the title unchanged. Every form is also sent
with the corpus, refused, and shown again. The payloads must show as text: the test is not
vacuous. It runs with the site's Content-Security-Policy and without it (bypass_csp), so the
sanitiser alone is shown to be enough.
"""

from __future__ import annotations

from typing import Any

import pytest

from consultation.syntheses import render as print_render
from tests.security.xss_seed import Reflected, Seeded, expectations, seed, whitespace

SITE_TITLE = "Consultation Brest métropole"
TABS = 8
HOVERS = 3
# The site answers a refused form with 422 and an unknown page with 404, which the browser
# logs as errors.
REFUSED = ("the server responded with a status of 422",
           "the server responded with a status of 404")
# Chromium's warning about a date field given back a typed value that is no date.
ECHOED = "does not conform to the required format"

DOM_PROBLEMS = """
(siteTitle) => {
  const problems = [];
  const safe = new Set(['http:', 'https:', 'mailto:']);
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) problems.push(`${el.localName}[${name}]`);
      if (['data-xss', 'style', 'srcdoc', 'autofocus', 'contenteditable', 'xlink:href']
          .includes(name)) problems.push(`${el.localName}[${name}]`);
      if (['href', 'src', 'action', 'formaction', 'data', 'background', 'poster'].includes(name)) {
        const icon = el.localName === 'link' && el.rel === 'icon' && attr.value === 'data:,';
        let protocol;
        try { protocol = new URL(attr.value, document.baseURI).protocol; }
        catch (e) { protocol = 'invalid:'; }
        if (!safe.has(protocol) && !icon) problems.push(`${el.localName}[${name}=${attr.value}]`);
      }
    }
  }
  // The site's scripts, files of its own in the head: a terminal's idle timer and the focus of
  // a refused form's error summary. Its own
  // <details>: the territorial table and the proposal list's filters.
  const own = 'head > script[src="/static/kiosk.js"]:empty, '
    + 'head > script[src="/static/forms.js"]:empty';
  const forbidden = [`script:not(${own})`, 'iframe', 'frame', 'frameset', 'object', 'embed',
    'applet',
    'base', 'img', 'image', 'video', 'audio', 'source', 'picture', 'math', 'style', 'template',
    'noscript', 'xmp', 'plaintext', 'marquee',
    'details:not(.per-thousand-detail):not(.more-filters)', 'svg script',
    'svg a', 'svg animate', 'svg set', 'svg foreignObject', 'svg use', 'svg svg', 'body meta',
    'body link', 'input[type=image]', '[data-xss]'];
  for (const selector of forbidden) {
    const found = document.querySelectorAll(selector).length;
    if (found) problems.push(`${found} × ${selector}`);
  }
  // The site's own refresh only (a document being built): in the head, to a page of the
  // same site.
  for (const meta of document.querySelectorAll('meta[http-equiv]')) {
    const content = meta.getAttribute('content') || '';
    const own = /^\\d+(;url=\\/(?![/\\\\])[\\w/.-]*)?$/;
    if (meta.parentElement !== document.head || !own.test(content))
      problems.push(`meta[http-equiv=${meta.httpEquiv}][content=${content}]`);
  }
  const scripts = document.scripts.length - document.querySelectorAll(own).length;
  if (scripts) problems.push(`${scripts} scripts`);
  if (!document.title.endsWith(siteTitle)) problems.push(`title: ${document.title}`);
  return problems;
}
"""

# Mouse and focus events sent to every element of the main content: a handler that slipped
# through would run (when no CSP stops it), and a dialog or console message would tell.
PROVOKE = """
() => {
  const kinds = ['mouseover', 'mouseenter', 'mousemove', 'focus', 'focusin', 'pointerover',
                 'animationstart', 'toggle', 'load', 'error'];
  for (const el of document.querySelectorAll('main *')) {
    for (const kind of kinds) el.dispatchEvent(new Event(kind, {bubbles: false}));
    if (typeof el.focus === 'function') el.focus();
  }
}
"""

TEXT = "() => document.documentElement.textContent.split(/\\s+/).filter(Boolean).join(' ')"

FILL_AND_SEND = """
([values, button]) => {
  let form = null;
  for (const [name, value] of Object.entries(values)) {
    // The page's own form first: the header's search box is a form with a "q" too.
    const control = document.querySelector(`main form [name="${name}"]`)
      || document.querySelector(`form [name="${name}"]`);
    control.value = value;
    form = control.form;
  }
  form.noValidate = true;
  form.requestSubmit(button ? form.querySelector(button) : undefined);
}
"""

VALUES = """
(names) => Object.fromEntries(names.map(
  (name) => [name, (document.querySelector(`main form [name="${name}"]`)
                    || document.querySelector(`form [name="${name}"]`)).value]))
"""


def csp_of(response: Any) -> str | None:
    """The Content-Security-Policy header of a response, if the site sends one."""
    return (response.headers or {}).get("content-security-policy") if response else None


def strict(policy: str) -> bool:
    """A policy under which an inline script or handler cannot run."""
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.split()}
    scripts = directives.get("script-src", directives.get("default-src"))
    return scripts is not None and not {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(scripts)


class Run:
    """One pass over every page, with the site's CSP in force or bypassed."""

    def __init__(self, visitor: Any, seeded: Seeded, bypass_csp: bool) -> None:
        self.seeded = seeded
        self.bypass_csp = bypass_csp
        self.visitors: dict[str, Any] = {}
        self.pages: dict[str, Any] = {}
        self.make = visitor
        self.opened = 0
        self.texts: dict[str, list[str]] = {}
        self.policies: set[str] = set()

    def visitor(self, who: str) -> Any:
        """`who`'s browser context; a session of `seeded.sessions` (acting for someone, a
        kiosk) is started in it first, as its page's button or link would."""
        if who not in self.visitors:
            session = self.seeded.sessions.get(who)
            person = session.person if session else None if who == "anonymous" else who
            user = None if person is None else self.seeded.people[person]
            someone = self.make(user=user, bypass_csp=self.bypass_csp)
            if session is not None:
                # The context's request API shares its cookies: the redirection's new session
                # (or kiosk) cookie is the browser's from then on.
                response = someone.context.request.fetch(
                    someone.base_url + session.start, method=session.method.upper(),
                    max_redirects=0)
                assert response.status == 302, (who, response.status)
            self.visitors[who] = someone
        return self.visitors[who]

    def open(self, who: str, path: str, statuses: tuple[int, ...] = (200,)) -> Any:
        """`who`'s tab, gone to `path` (one tab per person, watched from its opening)."""
        someone = self.visitor(who)
        if who not in self.pages:
            self.pages[who] = someone.context.new_page()
            someone.watch.attach(self.pages[who], someone.base_url)
        page = self.pages[who]
        response = page.goto(someone.base_url + path, wait_until="load")
        assert response is not None and response.status in statuses, (who, path[:80])
        policy = csp_of(response)
        if policy:
            self.policies.add(policy)
        self.opened += 1
        return page

    def check(self, who: str, where: str, page: Any) -> None:
        """The page did nothing and holds nothing active, before and after being provoked."""
        assert page.evaluate(DOM_PROBLEMS, SITE_TITLE) == [], (who, where)
        for link in page.locator("main .prose a, main .prose, main td, main .hint, main h2 a"
                                 ).all()[:HOVERS]:
            link.hover(timeout=1000, force=True)  # no waiting for stability: nothing moves
        page.locator("body").focus()
        for _ in range(TABS):
            page.keyboard.press("Tab")
        page.evaluate(PROVOKE)
        page.mouse.move(5, 5)
        assert page.evaluate(DOM_PROBLEMS, SITE_TITLE) == [], (who, where, "after interaction")
        watch = self.visitor(who).watch
        assert watch.dialogs == [], (who, where, watch.dialogs[:5])
        assert watch.errors == [], (who, where, watch.errors[:5])
        assert watch.requests == [], (who, where, watch.requests[:5])
        noisy = [m for m in watch.console if m.startswith(("log:", "info:", "debug:"))
                 or (m.startswith("error") and not any(r in m for r in REFUSED))
                 or ("XSS" in m and ECHOED not in m)]
        assert noisy == [], (who, where, noisy[:5])

    def stored(self) -> None:
        """Open every page that shows stored payloads; check it; keep its text."""
        for spec in self.seeded.pages:
            page = self.open(spec.who, spec.path)
            self.check(spec.who, spec.path, page)
            text = page.evaluate(TEXT)
            if spec.who == "acting":
                assert self.seeded.banner in text, spec.path
            for kind in spec.kinds:
                self.texts.setdefault(kind, []).append(text)

    def queries(self) -> None:
        """Open the pages asked for with the corpus in their query parameters or path."""
        for spec in self.seeded.short_queries:
            page = self.open(spec.who, spec.path, statuses=(200, 404))
            self.check(spec.who, spec.path[:80], page)

    def reflected(self, spec: Reflected) -> None:
        """Send a form with the corpus typed in; the refused form shows it back, inert."""
        page = self.open(spec.who, spec.path)
        with page.expect_navigation(wait_until="load"):
            page.evaluate(FILL_AND_SEND, [spec.values, spec.button])
        self.opened += 1
        if spec.method == "post":
            assert "Le formulaire n'a pas été enregistré" in page.content(), spec.form
        self.check(spec.who, f"{spec.form} shown again", page)
        shown = page.evaluate(VALUES, list(spec.values))
        for name, value in spec.values.items():
            assert shown[name] is not None, (spec.form, name)  # a form control, not <meta>
            assert whitespace(shown[name]) == whitespace(value), (spec.form, name)

    def placements_shown(self) -> int:
        """Check every payload shows as text in a page of its kind; how many were checked."""
        checked = 0
        for kind in self.seeded.placements:
            texts = " ".join(self.texts[kind])
            for text, numbers in expectations(self.seeded, kind):
                assert text in texts, (kind, numbers, text[:200])
                checked += len(numbers)
        return checked


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["csp", "sans-csp"])
def test_no_payload_runs_in_any_field_on_any_page(app, visitor, monkeypatch, bypass_csp):
    """Every field holds the corpus; no page runs, loads or injects anything from it."""
    monkeypatch.setattr(print_render, "write_pdf", lambda html: b"%PDF-1.7\n%%EOF\n")
    seeded = seed(run_jobs=False)
    run = Run(visitor, seeded, bypass_csp)
    run.stored()
    for spec in seeded.reflected:
        run.reflected(spec)
    run.queries()
    checked = run.placements_shown()
    assert checked == seeded.placement_count
    for policy in run.policies:  # the header is another branch's work: checked if present
        assert strict(policy), policy
    print(f"\nXSS ({'CSP contournée' if bypass_csp else 'CSP du site'}): "
          f"{len(seeded.placements)} kinds of stored field, {checked} payload placements "
          f"checked, {len(seeded.reflected)} forms sent back, {len(seeded.short_queries)} hostile "
          f"URLs, {run.opened} pages opened")


def test_the_dom_check_sees_an_injected_handler(visitor):
    """The DOM check is not blind: an element with a handler, a marker or a javascript: link,
    added to a page, is reported."""
    page = visitor().open("/")
    assert page.evaluate(DOM_PROBLEMS, SITE_TITLE) == []
    page.evaluate(
        "() => document.querySelector('main').insertAdjacentHTML('beforeend',"
        " '<a href=\"javascript:void(0)\" data-xss=1>x</a><img src=\"x\" onerror=\"1\">')"
    )
    problems = page.evaluate(DOM_PROBLEMS, SITE_TITLE)
    assert any("onerror" in p for p in problems)
    assert any("data-xss" in p for p in problems)
    assert any("javascript:" in p for p in problems)
