"""render.parts: the narrative cut at its block markers, headings with ids, sanitised HTML."""

from __future__ import annotations

from markupsafe import Markup

from consultation.syntheses.figures import BLOCKS
from consultation.syntheses.render import Part, parts


def layout(found: list[Part]) -> list[str]:
    """Each part as "block:<name>" or "text"."""
    return [f"block:{part.block}" if part.block else "text" for part in found]


def test_markers_place_blocks_in_order_and_the_rest_follow(app):
    """Placed blocks come where their marker is; the others follow in the default order."""
    narrative = (
        "Ce que la consultation a montré.\n\n"
        "[[plus-soutenues]]\n\n"
        "Les habitant·es de toute la métropole ont pris part.\n\n"
        "  [[territoires]]  \n"
        "[[participation]]\n\n"
        "Pour conclure."
    )
    found = parts(narrative)
    assert layout(found) == [
        "text", "block:plus-soutenues", "text", "block:territoires", "block:participation",
        "text", "block:semaines", "block:equilibre", "block:plus-debattues", "block:reponses",
        "block:moderation",
    ]
    texts = [str(part.html) for part in found if part.html is not None]
    assert "Ce que la consultation a montré." in texts[0]
    assert "toute la métropole" in texts[1]
    assert "Pour conclure." in texts[2]
    assert all("[[" not in text for text in texts)
    assert all(isinstance(part.html, Markup) for part in found if not part.block)


def test_unknown_repeated_and_inline_markers_stay_as_text(app):
    """A marker that names no block, a block's second marker, one inside a sentence: text."""
    narrative = (
        "[[semaines]]\n\n"
        "[[inconnu]]\n\n"
        "Voir [[equilibre]] plus bas.\n\n"
        "[[semaines]]\n"
    )
    found = parts(narrative)
    assert layout(found) == ["block:semaines", "text"] + [
        f"block:{name}" for name in BLOCKS if name != "semaines"]
    text = str(found[1].html)
    assert "[[inconnu]]" in text
    assert "Voir [[equilibre]] plus bas." in text
    assert text.count("[[semaines]]") == 1


def test_empty_narrative_gives_every_block_in_default_order(app):
    """Nothing written: the eight blocks, in their order, and no text part."""
    for narrative in ("", "  \n\n  "):
        assert layout(parts(narrative)) == [f"block:{name}" for name in BLOCKS]


def test_narrative_headings_get_ids_and_are_returned(app):
    """Every h2 of the narrative gets a unique id, listed with its plain text for contents."""
    narrative = (
        "# Ce que disent les habitant·es\n\nDu texte.\n\n"
        "### Un détail\n\n"
        "[[participation]]\n\n"
        "## Vélo & *tram*\n\nEncore.\n\n"
        '<h2 id="pirate" onclick="alert(1)">Titre brut</h2>\n'
    )
    found = parts(narrative, key="-v2")
    first, second = found[0], found[2]
    assert first.headings == (("texte-v2-1", "Ce que disent les habitant·es"),)
    assert second.headings == (("texte-v2-2", "Vélo & tram"), ("texte-v2-3", "Titre brut"))
    html = str(first.html) + str(second.html)
    assert '<h2 id="texte-v2-1">Ce que disent les habitant·es</h2>' in html
    assert '<h2 id="texte-v2-2">Vélo &amp; <em>tram</em></h2>' in html
    assert '<h2 id="texte-v2-3">Titre brut</h2>' in html
    assert "pirate" not in html and "onclick" not in html
    assert "<h3>Un détail</h3>" in html  # only h2 go to the contents
    assert all(part.headings == () for part in found if part.block)
    assert [h[0] for h in parts("## Un\n\n## Deux")[0].headings] == ["texte-1", "texte-2"]


def test_hostile_markdown_is_sanitised(app):
    """Scripts, event handlers and javascript: links never reach the page."""
    narrative = (
        "<script>alert('narratif')</script>\n\n"
        "[cliquez](javascript:alert(1)) et [le site](https://www.brest.fr)\n\n"
        '<img src="x" onerror="alert(2)">\n\n'
        '<a href="JaVaScRiPt:alert(3)">lien</a> <iframe src="https://exemple.fr"></iframe>\n\n'
        "[[participation]]\n\n"
        "## Titre <script>alert(4)</script>\n\n"
        '<p style="color:red" onmouseover="alert(5)">survol</p>'
    )
    found = parts(narrative)
    html = "".join(str(part.html) for part in found if part.html is not None)
    lowered = html.lower()
    for forbidden in ("<script", "javascript:", "onerror", "onmouseover", "<img", "<iframe",
                      "style=", "alert(2)", "alert(5)"):
        assert forbidden not in lowered, forbidden
    assert '<a href="https://www.brest.fr" rel="nofollow noopener ugc">le site</a>' in html
    assert "survol" in html
    headings = found[2].headings
    assert [(anchor, text.strip()) for anchor, text in headings] == [("texte-1", "Titre")]


def test_markers_are_found_in_crlf_and_cr_text(app):
    """Text kept with a browser's CRLF (versions frozen before the forms made it LF), or a lone
    CR: the markers place their blocks all the same."""
    for newline in ("\r\n", "\r"):
        narrative = newline.join(["Avant.", "", "[[equilibre]]", "", "Après.", "[[semaines]]"])
        found = parts(narrative)
        assert layout(found)[:4] == ["text", "block:equilibre", "text", "block:semaines"]
        assert all("[[" not in str(part.html) for part in found if part.html is not None)
