"""core/markup.py: hostile markdown and HTML never yields active content; plain text stays text.

The rendered HTML is parsed with html.parser to collect every tag and attribute, so the checks
do not depend on how the sanitiser happens to quote or order things.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import render_template_string
from markupsafe import Markup, escape

from consultation.core.markup import ALLOWED_TAGS, LINK_REL, contribution, plain, render
from consultation.extensions import db
from tests import factories

SAFE_SCHEMES = ("http://", "https://", "mailto:")
FORBIDDEN_TAGS = {
    "script", "iframe", "object", "embed", "style", "svg", "form", "img", "input", "button",
    "math", "base", "meta", "link", "textarea", "template", "noscript", "details", "image",
    "h1", "div", "span",
}

HOSTILE = [
    # script tags: casings, nesting, broken
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "<ScRiPt src=//evil.example/x.js></ScRiPt>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script>alert(1)",
    "<script\n>alert(1)</script\n>",
    "Un texte <script>alert(1)</script> au milieu d'un paragraphe.",
    "<<script>script>alert(1)<</script>/script>",
    # javascript: in markdown links, in every disguise
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;&#x61;vascript:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "[x](<javascript:alert(1)>)",
    # ... in raw <a href>
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" &#14;javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="&#x6A;avascript&#x3A;alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    # ... in autolinks
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    # data: URLs
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">x</a>',
    # images
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![pisteur](https://evil.example/pixel.png)",
    "<img src=x onerror=alert(1)>",
    '<IMG SRC="javascript:alert(1)">',
    # event handlers
    '<p onclick="alert(1)">clic</p>',
    '<a href="https://ok.example" onmouseover="alert(1)">survol</a>',
    "<strong onmouseover=alert(1)>gras</strong>",
    "<svg onload=alert(1)>",
    "<svg><image href=x onerror=alert(1)></svg>",
    "<details open ontoggle=alert(1)>détails</details>",
    # dangerous elements
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(1))">fond</div>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="https://evil.example"><input name=p><button>envoyer</button></form>',
    "<math><mtext><script>alert(1)</script></mtext></math>",
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel=stylesheet href="https://evil.example/x.css">',
    "<template><script>alert(1)</script></template>",
    "<textarea><script>alert(1)</script></textarea>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    # attribute breakouts
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '[x](https://ok.example" onclick="alert(1))',
    '[x](https://ok.example "titre\\" onclick=\\"alert(1)")',
    '<a href="https://ok.example" title="x" onclick="alert(1)" x="">lien</a>',
    # comments and raw HTML blocks
    "<!-- <script>alert(1)</script> -->",
    "<!--><script>alert(1)</script>-->",
    "<div>\n<script>alert(1)</script>\n</div>",
    "<div markdown=1>\n\n**gras** <img src=x onerror=alert(1)>\n\n</div>",
    "Avant\n\n<table><tr><td onclick=alert(1)>cellule</td></tr></table>\n\nAprès",
    "<h1 onclick=alert(1)>Titre</h1>",
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>",
]


class Collector(HTMLParser):
    """Every start tag with its attributes, and whether the document had comments."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def parse(html: str) -> Collector:
    collector = Collector()
    collector.feed(html)
    collector.close()
    return collector


def assert_inert(html: str) -> None:
    """No active content: only allowed tags, only safe attributes and URLs."""
    lowered = html.lower()
    assert "<script" not in lowered
    assert "javascript:" not in lowered
    assert "vbscript:" not in lowered
    for tag_text in re.findall(r"<[^>]*>", html):
        unquoted = re.sub(r"\"[^\"]*\"|'[^']*'", '""', tag_text)
        assert not re.search(r"\son\w+\s*=", unquoted, re.IGNORECASE), tag_text
    found = parse(html)
    assert not found.comments
    for tag, attrs in found.tags:
        assert tag in ALLOWED_TAGS, tag
        assert tag not in FORBIDDEN_TAGS, tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name not in {"style", "src", "srcdoc", "action", "formaction", "data"}
            if tag == "a":
                assert name in {"href", "title", "rel"}, name
            else:
                pytest.fail(f"attribute {name}={value!r} on <{tag}>")
        if tag == "a":
            assert attrs.get("rel") == LINK_REL
            href = attrs.get("href")
            if href is not None:
                assert href.strip().lower().startswith(SAFE_SCHEMES), href


def test_corpus_is_large_enough():
    """The hostile corpus covers at least 30 inputs."""
    assert len(HOSTILE) >= 30
    assert len(set(HOSTILE)) == len(HOSTILE)


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_input_is_inert(source):
    """Each hostile input renders without scripts, handlers, bad URLs or forbidden tags."""
    html = render(source)
    assert isinstance(html, Markup)
    assert_inert(str(html))


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_input_is_inert_inside_markdown(source):
    """The same inputs surrounded by ordinary markdown are just as inert."""
    assert_inert(str(render(f"# Titre\n\nDu **texte** avant.\n\n{source}\n\n- un\n- deux\n")))


def test_javascript_link_keeps_text_but_loses_href():
    """A javascript: markdown link keeps its text as an inert anchor without href."""
    found = parse(str(render("[cliquez ici](javascript:alert(1))")))
    anchors = [attrs for tag, attrs in found.tags if tag == "a"]
    assert all("href" not in attrs for attrs in anchors)
    assert "cliquez ici" in str(render("[cliquez ici](javascript:alert(1))"))


def test_text_of_removed_tags_is_escaped_not_active():
    """Text that only looks like HTML comes out escaped."""
    html = str(render("5 < 6 et 7 > 3 & co"))
    assert "5 &lt; 6" in html
    assert "7 &gt; 3" in html
    assert "&amp; co" in html
    code = str(render("`<script>alert(1)</script>`"))
    assert "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>" in code


def test_bold_italic_and_lists():
    """Ordinary markdown renders: bold, italics, bulleted and numbered lists, quotes, code."""
    html = str(
        render("**gras** et *italique*\n\n- un\n- deux\n\n1. premier\n2. second\n\n> citation")
    )
    assert "<strong>gras</strong>" in html
    assert "<em>italique</em>" in html
    tags = [tag for tag, _ in parse(html).tags]
    assert tags.count("li") == 4
    assert "ul" in tags and "ol" in tags and "blockquote" in tags
    assert "<pre><code>" in str(render("    code indenté"))


@pytest.mark.parametrize(
    "source, href",
    [
        ("[Brest](https://www.brest.fr/projets)", "https://www.brest.fr/projets"),
        ("[site](http://exemple.fr)", "http://exemple.fr"),
        ("[écrire](mailto:contact@brest.fr)", "mailto:contact@brest.fr"),
        ("<https://www.brest.fr>", "https://www.brest.fr"),
        ('<a href="https://ok.example/a?b=1&amp;c=2">lien</a>', "https://ok.example/a?b=1&c=2"),
    ],
)
def test_safe_links_keep_href_and_get_rel(source, href):
    """http, https and mailto links keep their target and get rel="nofollow noopener ugc"."""
    anchors = [attrs for tag, attrs in parse(str(render(source))).tags if tag == "a"]
    assert len(anchors) == 1
    assert anchors[0]["href"] == href
    assert anchors[0]["rel"] == "nofollow noopener ugc"


def test_link_rel_cannot_be_overridden():
    """A rel or target written by the user is replaced, never kept."""
    html = str(render('<a href="https://ok.example" rel="opener" target="_blank">x</a>'))
    anchors = [attrs for tag, attrs in parse(html).tags if tag == "a"]
    assert anchors == [{"href": "https://ok.example", "rel": LINK_REL}]


def test_link_title_is_kept():
    """A markdown link title survives as the title attribute."""
    anchors = [
        attrs
        for tag, attrs in parse(str(render('[a](https://ok.example "Le titre")'))).tags
        if tag == "a"
    ]
    assert anchors[0]["title"] == "Le titre"


@pytest.mark.parametrize("source", ["# Titre", "Titre\n=====", "<h1>Titre</h1>\n\nsuite"])
def test_h1_never_appears(source):
    """Level-one headings are shifted to h2 (markdown) or dropped (raw HTML): no h1 in output."""
    html = str(render(source))
    assert "<h1" not in html
    assert "Titre" in html


def test_markdown_headings_are_shifted():
    """A markdown h1 becomes h2; h2 and h3 stay within the allowed levels."""
    assert str(render("# Titre")) == "<h2>Titre</h2>"
    tags = [tag for tag, _ in parse(str(render("# A\n\n## B\n\n### C"))).tags]
    assert tags[0] == "h2"
    assert set(tags) <= {"h2", "h3", "h4"}


def test_empty_source_renders_empty_markup():
    """None and the empty string render as empty Markup."""
    assert render(None) == Markup("")
    assert render("") == Markup("")
    assert plain(None) == ""
    assert plain("") == ""


def test_plain_strips_markup_and_scripts():
    """plain() gives the text only: no tags, no script content."""
    text = plain("**Gras** et [lien](https://ok.example) <script>alert(1)</script> fin")
    assert text == "Gras et lien fin"
    assert not isinstance(text, Markup)


def test_plain_is_escaped_when_shown(app):
    """plain() returns text that Jinja escapes: markup-looking text never becomes tags."""
    source = "5 < 6 &amp; &lt;script&gt;alert(1)&lt;/script&gt; <img src=x onerror=alert(1)>"
    text = plain(source)
    assert not isinstance(text, Markup)
    assert "<img" not in text
    shown = str(escape(text))
    assert "<" not in shown and ">" not in shown
    rendered = render_template_string(
        '<meta name="description" content="{{ s | excerpt(160) }}"><p>{{ s | excerpt }}</p>',
        s=source,
    )
    assert "<script" not in rendered.lower()
    assert "<img" not in rendered.lower()
    found = parse(rendered)
    assert [tag for tag, _ in found.tags] == ["meta", "p"]


def test_plain_truncates_with_ellipsis():
    """A long text is cut at the length with an ellipsis; whitespace is collapsed."""
    text = plain("mot " * 100, length=50)
    assert len(text) <= 50
    assert text.endswith("…")
    assert "  " not in text
    assert plain("court", length=50) == "court"


def test_a_contribution_keeps_the_line_breaks_typed():
    """A participant's text shows each line break typed; markdown's own rule (one line break is
    a space) stays for the texts of moderators and administrators."""
    source = "Bonjour,\nje viens de **Bellevue**.\n\n- un point\nsur deux lignes\n- un autre"
    shown = str(contribution(source))
    assert "<p>Bonjour,<br>\nje viens de <strong>Bellevue</strong>.</p>" in shown
    assert "<li>un point<br>\nsur deux lignes</li>" in shown
    assert "<br>" not in str(render(source))
    assert contribution("") == Markup("") and contribution(None) == Markup("")


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_input_is_inert_in_a_contribution(source):
    """The hostile corpus, line breaks kept, is as inert in a participant's text."""
    assert_inert(str(contribution(f"Une ligne\n{source}\nune autre")))


def test_a_proposal_on_several_lines_shows_them(app, client):
    """A proposal's body shows its line breaks on its page; the project's presentation, written
    by the organisers, keeps markdown's rule."""
    project = factories.project(body="Une présentation\nsur deux lignes.")
    proposal = factories.proposal(project, factories.user(), body="Ligne un,\nligne deux.")
    db.session.commit()
    html = client.get(f"/propositions/{proposal.id}").get_data(as_text=True)
    assert "<p>Ligne un,<br>\nligne deux.</p>" in html
    page = client.get(f"/projets/{project.slug}").get_data(as_text=True)
    assert "<p>Une présentation\nsur deux lignes.</p>" in page


def test_proposal_page_escapes_title_name_and_body(app, client):
    """The proposal page escapes a hostile title and display name and sanitises the body."""
    author = factories.user(display_name='<b onmouseover="alert(2)">Ève</b>')
    project = factories.project()
    proposal = factories.proposal(
        project,
        author,
        title="<script>alert(1)</script>",
        body='[x](javascript:alert(3)) <img src=x onerror=alert(4)> **ok**',
    )
    db.session.commit()
    html = client.get(f"/propositions/{proposal.id}").get_data(as_text=True)
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b onmouseover" not in html
    assert "&lt;b onmouseover=" in html
    assert "javascript:" not in html.lower()
    assert "<strong>ok</strong>" in html
    assert all(tag != "img" for tag, _ in parse(html).tags)
    for tag, attrs in parse(html).tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)

    listing = client.get(f"/projets/{project.slug}/propositions").get_data(as_text=True)
    assert "<script" not in listing.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing
    assert "<b onmouseover" not in listing


@pytest.mark.parametrize(
    "source",
    ["- " * 3000 + "x", "1. " * 3000 + "x", "> - " * 1500 + "x", "* " * 4000 + "x"],
)
def test_deep_nesting_does_not_crash(source):
    """Hundreds of nested list markers (RecursionError in Python-Markdown) still render."""
    html = render(source)
    assert isinstance(html, Markup)
    assert_inert(str(html))
    assert "x" in plain(source, length=100_000)


@pytest.mark.parametrize(
    "source",
    ["[a" * 5000, "[" * 10000, "![a](" * 2000, "<![CDATA[" * 1111, "<a " * 3333],
)
def test_many_openers_render_as_escaped_text(source):
    """Thousands of unclosed [ or < (quadratic for Python-Markdown) are shown as plain text."""
    html = str(render(source))
    assert_inert(html)
    found = parse(html)
    assert {tag for tag, _ in found.tags} == {"p"}
    assert source[:9].replace("<", "&lt;") in html


def test_degraded_text_keeps_paragraphs_and_stays_inert():
    """A degraded text keeps paragraphs and line breaks; links in it stay plain text."""
    source = "Ligne 1\nligne <b>2</b>\n\n[x](javascript:alert(1)) <script>alert(1)</script>" + (
        "[" * 600
    )
    html = str(render(source))
    found = parse(html)
    assert [tag for tag, _ in found.tags] == ["p", "br", "p"]
    assert "ligne &lt;b&gt;2&lt;/b&gt;" in html
    assert "<script" not in html and "<a" not in html


def test_pathological_body_does_not_break_pages(app, client):
    """A proposal whose body nests lists 3000 deep still shows, and so does the list page."""
    project = factories.project()
    proposal = factories.proposal(project, body="- " * 3000 + "fin")
    db.session.commit()
    assert client.get(f"/propositions/{proposal.id}").status_code == 200
    assert client.get(f"/projets/{project.slug}/propositions").status_code == 200
