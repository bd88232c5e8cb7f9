"""Checks run in the page (plain JavaScript through Playwright) and the axe report file."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from tests.browser.conftest import ROOT

IMPACTS = ("critical", "serious", "moderate", "minor")
BLOCKING = ("critical", "serious")
REPORT = ROOT / "build" / "axe-report.md"

# Form controls without an accessible name: neither a <label> with text, nor aria-label, nor
# aria-labelledby naming elements with text. Hidden inputs and buttons are not fields.
UNLABELLED = """() => {
  const text = (el) => (el && el.textContent || '').trim();
  const named = (el) => {
    if ((el.getAttribute('aria-label') || '').trim()) return true;
    const by = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
    if (by.some((id) => text(document.getElementById(id)))) return true;
    return Array.from(el.labels || []).some((label) => text(label));
  };
  return Array.from(document.querySelectorAll('input, select, textarea'))
    .filter((el) => !['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type))
    .filter((el) => !named(el))
    .map((el) => `${el.tagName.toLowerCase()}#${el.id}[name=${el.name}]`);
}"""

# Elements that take the keyboard focus without showing it (neither outline nor ring). Called
# after one press of Tab, so that the browser draws focus as for the keyboard (:focus-visible).
FOCUS_INVISIBLE = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
    + '[tabindex]:not([tabindex="-1"])';
  const invisible = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.disabled || !el.getClientRects().length) continue;
    el.focus();
    if (document.activeElement !== el) continue;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const ring = style.boxShadow && style.boxShadow !== 'none';
    if (!outline && !ring) {
      invisible.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} `
                     + (el.innerText || el.value || '').trim().slice(0, 30));
    }
  }
  document.activeElement.blur();
  return invisible.slice(0, 10);
}"""

# Horizontal scrolling: the document wider than the window, and the elements that stick out
# (their right edge past the window, unless a scrollable ancestor, positioned so that it holds
# absolutely positioned descendants too, keeps them); text clipped: an element cutting its own
# content without offering to scroll it (.visually-hidden does so on purpose).
OVERFLOW = """() => {
  const width = window.innerWidth;
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += '#' + el.id;
    if (el.classList.length) name += '.' + Array.from(el.classList).join('.');
    return name;
  };
  const scrolls = (el) => {
    for (let a = el.parentElement; a; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (['auto', 'scroll'].includes(style.overflowX) && style.position !== 'static') return true;
    }
    return false;
  };
  const sticking = [];
  const clipped = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (!box.width) continue;
    if (box.right > width + 1 && !scrolls(el)) {
      sticking.push(`${describe(el)} (right edge ${Math.round(box.right)} px)`);
    }
    const style = getComputedStyle(el);
    if (el.classList.contains('visually-hidden')
        || ['svg', 'img', 'input', 'select', 'textarea'].includes(el.tagName.toLowerCase())) {
      continue;
    }
    if (['hidden', 'clip'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
      clipped.push(`${describe(el)} (${el.scrollWidth} px of content in ${el.clientWidth})`);
    }
    if (['hidden', 'clip'].includes(style.overflowY) && el.scrollHeight > el.clientHeight + 1) {
      clipped.push(`${describe(el)} (${el.scrollHeight} px high in ${el.clientHeight})`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width,
          sticking: sticking.slice(0, 8), clipped: clipped.slice(0, 8)};
}"""

# WCAG 1.4.12: the text spacing a reader may impose (line height 1.5, paragraphs 2 em apart,
# letters 0.12 em, words 0.16 em) must lose no content.
TEXT_SPACING = """* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
  word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }"""

# What shows where the keyboard focus is: the focused element and its visible indicator.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name') || '',
    type: el.getAttribute('type') || '', value: el.value || '',
    href: el.getAttribute('href') || '', text: (el.innerText || el.value || '').trim(),
    outline: style.outlineStyle === 'none' || parseFloat(style.outlineWidth) === 0
      ? 'none' : `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
    boxShadow: style.boxShadow,
  };
}"""


def summary(violations: list[dict[str, Any]]) -> Counter[str]:
    """Violations counted by impact."""
    return Counter(v["impact"] or "minor" for v in violations)


def write_report(rows: list[tuple[str, str, int | None, list[dict[str, Any]]]]) -> Path:
    """Write build/axe-report.md: one line per page and role with violations by impact and the
    rule ids, then the detail of each violation (the first nodes it names)."""
    totals: Counter[str] = Counter()
    lines = [
        "# axe-core results, page by page",
        "",
        "Written by the browser accessibility suite (tests/browser/test_accessibility.py).",
        "",
        "| role | page | status | critical | serious | moderate | minor | rules |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    details = []
    for role, path, status, violations in rows:
        counts = summary(violations)
        totals.update(counts)
        rules = ", ".join(sorted({v["id"] for v in violations})) or "—"
        lines.append(f"| {role} | `{path}` | {status} | "
                     + " | ".join(str(counts[i]) for i in IMPACTS) + f" | {rules} |")
        for v in violations:
            details.append(f"- {role} `{path}`: **{v['id']}** ({v['impact']}) {v['help']}: "
                           + "; ".join(f"`{n}`" for n in v["nodes"]))
    lines += ["", f"Pages opened: {len(rows)}. Violations: "
              + ", ".join(f"{totals[i]} {i}" for i in IMPACTS) + "."]
    if details:
        lines += ["", "## Details", "", *details]
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return REPORT
