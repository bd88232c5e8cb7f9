"""French and English as they are written: the typography check over every page of the demo.

The check reads the visible text of a page (not scripts, styles, code, form fields, attribute
values or charts, and not user content: an element with a `lang` of its own, as `lang_fr()`
marks what people wrote, or the class "prose") and refuses, in French: a plain space or no
space before ; : ! ? (a narrow or plain non-breaking space is due, U+202F or U+00A0), « and »
without one inside, "1 février" for "1er février", "de Anne" for "d'Anne" (de, que, le, la
before a capital vowel), a space just inside parentheses, and percentages of one group
(`data-shares`) that do not add up to 100; in English, the same parentheses and shares, and
any common French interface word. The demo is loaded once for the module and walked by links
as a visitor and as each of its accounts, in French and in English; the HTML of every PDF the
demo builds is checked too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from consultation.accounts.models import User
from consultation.core import markup, templating
from consultation.core.text import de, elide, shares, starts_with_vowel_sound
from consultation.extensions import db
from tests.conftest import data_for_module, login, on_module_data
from tests.test_i18n import english_catalogue  # noqa: F401  (a fixture)
from tests.test_pages import read

pytestmark = pytest.mark.xdist_group("demo")

NBSP = "\u00a0"
NNBSP = "\u202f"

# --- reading a page's visible text ---------------------------------------------------------------

SKIPPED = {"script", "style", "pre", "code", "textarea", "svg", "template", "select"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
BLOCKS = {"address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "div",
          "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
          "h4", "h5", "h6", "header", "hr", "legend", "li", "main", "nav", "ol", "p", "section",
          "summary", "details", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
          "label", "title", "option", "button"}


class TextReader(HTMLParser):
    """The visible interface text of a page, a line per block, and each data-shares group."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, skipped, shares group)
        self.groups: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: (v or "") for k, v in attrs_list}
        if tag in BLOCKS:
            self.parts.append("\n")
            if self.groups and any(group for _, _, group in self.stack):
                self.groups[-1].append(" ")
        if tag in VOID:
            return
        skipped = (tag in SKIPPED or (tag != "html" and "lang" in attrs)
                   or "prose" in attrs.get("class", "").split())
        group = "data-shares" in attrs
        if group:
            self.groups.append([])
        self.stack.append((tag, skipped, group))

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS:
            self.parts.append("\n")
        if any(opened == tag for opened, _, _ in self.stack):
            while self.stack:
                opened, _, group = self.stack.pop()
                if group:
                    self.parts.append(f"\x00{len(self.groups) - 1}\x00")
                if opened == tag:
                    break

    def handle_data(self, data: str) -> None:
        if any(skipped for _, skipped, _ in self.stack):
            self.parts.append(" ")  # what is left out is not glued to its neighbours
            return
        # A line break in the source is a space on screen: only blocks break lines (a break
        # read as one hid "( 1 pour" written over two lines of a template).
        data = data.replace("\r", " ").replace("\n", " ")
        self.parts.append(data)
        if any(group for _, _, group in self.stack):
            self.groups[-1].append(data)


def visible_text(page: str) -> tuple[list[str], list[str]]:
    """The page's lines of visible interface text (white space collapsed as a browser does,
    non-breaking spaces kept), and the text of each data-shares group."""
    reader = TextReader()
    reader.feed(page)
    reader.close()
    text = re.sub(r"\x00\d+\x00", "", "".join(reader.parts))
    # str.strip() would take the non-breaking spaces too: only what a browser collapses.
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip(" ") for line in text.split("\n")]
    return [line for line in lines if line], ["".join(group) for group in reader.groups]


# --- the rules ----------------------------------------------------------------------------------

MONTHS = ("janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|"
          "décembre|janv\\.|févr\\.|avr\\.|juil\\.|sept\\.|oct\\.|nov\\.|déc\\.")
FIRST_OF_MONTH = re.compile(rf"(?<![\d,.])\b1 ({MONTHS})(?!\w)")
HIGH_PUNCTUATION = re.compile(r"(?P<before>.?)(?P<mark>[;:!?])")
# Addresses, and HTTP header names (Access-Control-Allow-Origin: *), are not prose.
URLISH = re.compile(r"\S*(://|www\.|@)\S*|\S+\.(fr|org|com|net|bzh)\S*|\b[A-Z]\w+(-[A-Z]\w+)+:")
ELISION = re.compile(r"(?<![\w'’])(de|De|que|Que|le|Le|la|La) [AEIOUÀÂÉÈÊËÎÏÔÙÛÜŒ]")
PERCENT = re.compile(r"(\d+)[\s\u00a0\u202f]?%")
FRENCH_WORDS = {
    "à", "le", "la", "les", "du", "des", "de", "et", "est", "une", "sur", "avec", "dans",
    "propositions", "commentaire", "commentaires", "publié", "publiée", "projets", "projet",
    "soutien", "soutiens", "synthèse", "aucun", "aucune", "votre", "vos", "nous", "été", "où",
    "ou", "contre", "neutre", "réponse", "officielle", "télécharger", "voir", "retour", "compte",
    "connexion", "inscription", "accueil", "rechercher", "chercher", "signaler", "modifier",
    "supprimer", "envoyer", "enregistrer", "annuler", "depuis", "jusqu", "semaine", "chiffres",
    "arrêtés", "données", "mise", "jour", "territoire", "territoires", "élus", "médiation",
    "modération", "brouillon", "personne", "personnes", "soutenir", "déposer", "participer",
}
FRENCH_CASED = {"Ko", "Mo", "n°"}
# French names an English page keeps as they are (institutions, places, the event's name).
PROPER_NAMES = re.compile(r"Pays de B\w+|Rencontres des numériques|Défenseur des droits|"
                          r"Commission nationale de l'informatique et des libertés|"
                          r"référentiel général d'amélioration de l'accessibilité|Libre réponse|"
                          # a code of the data glossed in English: "pour (for)"
                          r"\b\w+ \([a-z ]+\)")


def french_faults(line: str) -> list[str]:
    """What French typography refuses in one line of interface text."""
    faults = []
    masked = URLISH.sub(lambda m: "U" * len(m.group(0)), line)
    for match in HIGH_PUNCTUATION.finditer(masked):
        before, mark = match.group("before"), match.group("mark")
        rest = masked[match.end():match.end() + 1]
        if mark == ":" and before.isdigit() and rest.isdigit():
            continue  # a time or a ratio: 11:00, 1:2
        if before in (NBSP, NNBSP) or (before and before in ";:!?"):
            continue
        faults.append(f"no non-breaking space before {mark!r}")
    for match in re.finditer("«(.)", line):
        if match.group(1) not in (NBSP, NNBSP):
            faults.append("no non-breaking space after «")
    for match in re.finditer("(.)»", line):
        if match.group(1) not in (NBSP, NNBSP):
            faults.append("no non-breaking space before »")
    if FIRST_OF_MONTH.search(line):
        faults.append("the first of a month is 1er")
    if elision := ELISION.search(line):
        faults.append(f"no elision: {elision.group(0)!r}")
    return faults


def common_faults(line: str) -> list[str]:
    """What both languages refuse."""
    faults = []
    if re.search(r"\([ \u00a0\u202f]|[ \u00a0\u202f]\)", line):
        faults.append("a space just inside parentheses")
    return faults


def english_faults(line: str) -> list[str]:
    """French words of the interface on an English page (a name quoted “so” aside)."""
    line = PROPER_NAMES.sub("", re.sub(r"“[^”]*”", "", line))
    line = re.sub(r"(?<!\w)/\S+", "", URLISH.sub("", line))  # addresses are not words
    words = re.findall(r"[\w°]+", line)
    found = sorted({w for w in words if w.lower() in FRENCH_WORDS or w in FRENCH_CASED})
    return [f"French words {found}"] if found else []


def share_faults(group: str) -> list[str]:
    """Percentages of one group that do not add up to 100."""
    values = [int(value) for value in PERCENT.findall(group)]
    if values and any(values) and sum(values) != 100:
        return [f"shares {values} add up to {sum(values)}"]
    return []


class UserText:
    """What people wrote (titles, names, bodies, places: the database's text), to be told from
    the interface where a template shows it without a lang="fr" of its own. Each occurrence
    becomes its first letter and x's, so that "de Anne-Laure" still reads "de Axxxxxxxx";
    a long text is recognised by its beginning (excerpts end where the page cuts them)."""

    TECHNICAL = re.compile(r"^[a-z0-9_.:/@-]*$|^\$|^[A-Za-z0-9+/=_-]{20,}$")

    def __init__(self, values: set[str]) -> None:
        values = {v.strip() for v in values if v and len(v.strip()) >= 3}
        values = {v for v in values if not self.TECHNICAL.match(v)}
        self.whole = sorted(values, key=len, reverse=True)
        starts = sorted({re.escape(v[:40]) for v in values if len(v) > 60}, key=len,
                        reverse=True)
        self.starts = re.compile("(" + "|".join(starts) + r")[^\n]*") if starts else None

    @staticmethod
    def _mask(text: str) -> str:
        return text[0] + "x" * (len(text) - 1)

    def mask(self, text: str) -> str:
        """The text with what people wrote masked."""
        if self.starts is not None:
            text = self.starts.sub(lambda m: self._mask(m.group(0)), text)
        for value in self.whole:
            if value in text:
                text = text.replace(value, self._mask(value))
        return text


NO_USER_TEXT = UserText(set())


def typography_faults(page: str, language: str, users: UserText = NO_USER_TEXT) -> list[str]:
    """Every fault of a page's interface text, each with its line."""
    lines, groups = visible_text(page)
    faults = []
    for line in lines:
        line = users.mask(line)
        found = common_faults(line)
        found += french_faults(line) if language == "fr" else english_faults(line)
        faults += [f"{fault}: {line[:160]!r}" for fault in found]
    for group in groups:
        faults += [f"{fault}: {group[:160]!r}" for fault in share_faults(group)]
    return faults


GOOD = ("<html lang='fr'><body><h1>Déposer une proposition\u202f?</h1>"
        "<p>Le 1er février à 11\u00a0h\u00a000, le commentaire d'Anne-Laure (1 pour, 0 contre)"
        "\u00a0: «\u00a0oui\u00a0» — voir https://exemple.fr/a?b=1\u202f; pas à 11:00.</p>"
        "<p class='prose'>Un avis ? de Anne ( libre )</p><p lang='fr'>Voir : Anne</p>"
        "<table data-shares><tr><td>33\u00a0%</td><td>67\u00a0%</td></tr></table>"
        "<script>a ? b : c</script><code>x : y</code><p title='a : b'>Fin.</p>"
        "</body></html>")


@pytest.mark.parametrize(
    "fault",
    [
        ("proposition\u202f?", "proposition ?"),
        ("proposition\u202f?", "proposition?"),
        ("contre)\u00a0:", "contre) :"),
        ("«\u00a0oui", "« oui"),
        ("oui\u00a0»", "oui »"),
        ("1er février", "1 février"),
        ("d'Anne-Laure", "de Anne-Laure"),
        ("(1 pour", "( 1 pour"),
        ("0 contre)", "0 contre )"),
        ("67\u00a0%", "66\u00a0%"),
    ],
)
def test_the_french_check_catches_each_fault(fault):
    """A well-written French page passes; each fault alone fails it."""
    assert typography_faults(GOOD, "fr") == []
    good, bad = fault
    assert good in GOOD
    assert typography_faults(GOOD.replace(good, bad, 1), "fr"), bad


def test_the_english_check_catches_french_words():
    """An English page may quote French in a lang="fr" element, never in its own words."""
    page = ("<html lang='en'><body><h1>Proposals</h1><p>Published on 1 February 2027 at 11:00 "
            "(90 KB). <span lang='fr'>Le commentaire de la voisine</span></p></body></html>")
    assert typography_faults(page, "en") == []
    for french in ("published on 24 August 2026 à 11:00", "(85 Ko)", "Voir le projet"):
        faulty = page.replace("<h1>Proposals</h1>", f"<h1>Proposals</h1><p>{french}</p>")
        assert typography_faults(faulty, "en"), french


# --- the helpers the pages use ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([1, 1, 1], [34, 33, 33]),
        ([2, 1, 0], [67, 33, 0]),
        ([0, 0, 0], [0, 0, 0]),
        ([1, 0, 0], [100, 0, 0]),
        ([7, 7, 6], [35, 35, 30]),
        ([1, 2, 3, 4, 5, 6, 7], [4, 7, 11, 14, 18, 21, 25]),
        ([3, 3, 1], [43, 43, 14]),
    ],
)
def test_shares_add_up_to_100_by_largest_remainder(counts, expected):
    """Each share is rounded down, then the points left go to the largest remainders."""
    assert shares(counts) == expected
    assert sum(expected) in (0, 100)


def test_shares_add_up_for_every_small_split():
    """Every split of up to 30 comments into three stances adds up to exactly 100."""
    for a in range(31):
        for b in range(31 - a):
            for c in range(31 - a - b):
                if a + b + c:
                    assert sum(shares([a, b, c])) == 100, (a, b, c)


@pytest.mark.parametrize(
    ("word", "written"),
    [("Anne-Laure", "d'Anne-Laure"), ("Yann", "de Yann"), ("Yves", "d'Yves"),
     ("Hélène", "d'Hélène"), ("Halles de Recouvrance", "de Halles de Recouvrance"),
     ("Érwan", "d'Érwan"), ("Karim", "de Karim"), ("« Wi-Fi »", "de « Wi-Fi »"),
     ("Œuvre", "d'Œuvre")],
)
def test_de_elides_before_a_vowel_sound(word, written):
    """"de" becomes "d'" before a vowel or a mute h, never before a consonant or a y sound."""
    assert de(word) == written


def test_elide_changes_only_the_word_before_the_name():
    """elide() elides de and que right before the names given, and nothing else."""
    text = "Le compte de Anne, que Éric suit, de Yann et de Odile"
    assert elide(text, "Anne", "Éric", "Yann") == (
        "Le compte d'Anne, qu'Éric suit, de Yann et de Odile")
    assert elide("la maison de Anne", "Bob") == "la maison de Anne"
    assert not starts_with_vowel_sound("")


def test_templates_elide_before_the_names_they_are_given(app):
    """A template's _() elides before its variables in French, not in English; HTML in a
    name stays escaped."""
    from flask_babel import force_locale

    source = "{{ _('le commentaire de %(name)s', name=name) }}"
    with app.test_request_context():
        render = app.jinja_env.from_string(source).render
        assert render(name="Anne-Laure") == "le commentaire d'Anne-Laure"
        assert render(name="Yann") == "le commentaire de Yann"
        assert render(name="Ève <b>") == "le commentaire d'Ève &lt;b&gt;"
        with force_locale("en"):
            assert "d'Anne" not in render(name="Anne")


def test_a_templates_fixed_strings_are_looked_up_once_per_language(
        app, english_catalogue, monkeypatch):  # noqa: F811
    """A string without variables is looked up once per catalogue (typeset, escaped as the
    template's autoescape says), then given as it was: in French and in English each."""
    from flask_babel import force_locale

    looked_up: list[str] = []
    real = templating._FrenchTypesetting.gettext

    def gettext(self: Any, message: str) -> str:
        looked_up.append(message)
        return str(real(self, message))

    monkeypatch.setattr(templating._FrenchTypesetting, "gettext", gettext)
    monkeypatch.setattr(templating._FrenchTypesetting, "ugettext", gettext)
    app.extensions["babel"].instance.domain_instance.cache.clear()
    page = app.jinja_env.from_string("{{ _('Soutiens') }} · {{ _('Territoires :') }}")
    with app.test_request_context():
        first = page.render()
        assert page.render() == first == "Soutiens · Territoires\u00a0:"
        assert looked_up == ["Soutiens", "Territoires :"]
        with force_locale("en"):
            assert page.render() == "Support · Areas:"
    with app.test_request_context():
        assert page.render() == first
    assert looked_up == ["Soutiens", "Territoires :"]


def _french(app: Flask, value: Any, fmt: str = "long", locale: str = "fr") -> str:
    from flask_babel import force_locale

    with app.test_request_context(), force_locale(locale):
        return templating.date_fr(value, fmt)


@pytest.mark.parametrize(
    ("value", "fmt", "french", "english"),
    [
        (date(2027, 2, 1), "long", "1er\u00a0février 2027", "1\u00a0February 2027"),
        (date(2026, 8, 24), "long", "24\u00a0août 2026", "24\u00a0August 2026"),
        (date(2026, 5, 1), "d MMM yyyy", "1er\u00a0mai 2026", "1\u00a0May 2026"),
        (date(2026, 2, 3), "d MMM", "3\u00a0févr.", "3\u00a0Feb"),
        (datetime(2026, 8, 24, 9, 0, tzinfo=UTC), "long", "24\u00a0août 2026 à 11\u00a0h\u00a000",
         "24\u00a0August 2026 at 11:00"),
        (datetime(2027, 2, 1, 10, 5), "long", "1er\u00a0février 2027 à 11\u00a0h\u00a005",
         "1\u00a0February 2027 at 11:05"),
        ("2026-08-24T09:00:00+00:00", "d MMMM yyyy", "24\u00a0août 2026", "24\u00a0August 2026"),
        ("2026-08-24", "long", "24\u00a0août 2026", "24\u00a0August 2026"),
        # Summer time begins on 29 March 2026 at 01:00 UTC (2:00 becomes 3:00 in Paris)...
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "long", "29\u00a0mars 2026 à 1\u00a0h\u00a059",
         "29\u00a0March 2026 at 01:59"),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "long", "29\u00a0mars 2026 à 3\u00a0h\u00a000",
         "29\u00a0March 2026 at 03:00"),
        # ... and ends on 25 October 2026 at 01:00 UTC (3:00 becomes 2:00 again).
        (datetime(2026, 10, 25, 0, 59, tzinfo=UTC), "long",
         "25\u00a0octobre 2026 à 2\u00a0h\u00a059", "25\u00a0October 2026 at 02:59"),
        (datetime(2026, 10, 25, 1, 0, tzinfo=UTC), "long",
         "25\u00a0octobre 2026 à 2\u00a0h\u00a000", "25\u00a0October 2026 at 02:00"),
        # Late on the last day of a month in UTC is already the first of the next in Paris.
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "d MMMM yyyy", "1er\u00a0janvier 2027",
         "1\u00a0January 2027"),
        (None, "long", "", ""),
    ],
)
def test_dates_in_each_language(app, value, fmt, french, english):
    """Dates and times are written as each language writes them, in Paris time."""
    assert _french(app, value, fmt) == french
    assert _french(app, value, fmt, "en") == english


def test_dates_do_not_ask_babel_each_time(app, monkeypatch):
    """Month names are read once per language for the process, not on every call (Babel's
    format_datetime costs a lookup of every month name each time)."""
    from babel import dates

    def refuse(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("Babel's formatter called")

    _french(app, date(2026, 1, 1))
    _french(app, date(2026, 1, 1), locale="en")
    monkeypatch.setattr(dates, "format_datetime", refuse)
    monkeypatch.setattr(dates, "format_date", refuse)
    monkeypatch.setattr(dates, "get_month_names", refuse)
    noon = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert _french(app, noon) == "1er\u00a0janvier 2026 à 13\u00a0h\u00a000"
    assert _french(app, datetime(2026, 1, 1, 12), locale="en") == "1\u00a0January 2026 at 13:00"


@pytest.mark.parametrize(
    ("size", "french", "english"),
    [(0, "0\u00a0Ko", "0 KB"), (1, "1\u00a0Ko", "1 KB"), (87_040, "85\u00a0Ko", "85 KB"),
     (2_000_000, "1\u202f954\u00a0Ko", "1,954 KB")],
)
def test_file_sizes_in_each_language(app, size, french, english):
    """File sizes in kilobytes, rounded up: "Ko" in French, "KB" in English."""
    from flask_babel import force_locale

    with app.test_request_context():
        assert templating.filesize(size) == french
        with force_locale("en"):
            assert templating.filesize(size) == english


# --- every page of the demo, in both languages ------------------------------------------------

DEMO_ACCOUNTS = ("citoyenne@demo.brest.fr", "moderation@demo.brest.fr", "admin@demo.brest.fr",
                 "mediation@demo.brest.fr", "elu@demo.brest.fr")
PDF_HTML: list[str] = []


@pytest.fixture(scope="module")
def demo(database_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The demo loaded once for the module; the HTML of each PDF it builds is kept (and the
    PDF itself not laid out: tests/syntheses does that)."""
    from consultation.syntheses import render

    PDF_HTML.clear()

    def keep(html: str) -> bytes:
        PDF_HTML.append(html)
        return b"%PDF-1.7\n% stand-in\n%%EOF\n"

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render, "write_pdf", keep)
        with data_for_module(database_uri, tmp_path_factory) as application:
            result = application.test_cli_runner().invoke(args=["demo", "load"])
            assert result.exit_code == 0, result.output
        yield application


@pytest.fixture
def app(demo: Flask) -> Iterator[Flask]:
    """The application on the loaded demo (overrides the clean-database `app`)."""
    with on_module_data(demo) as application:
        yield application


def walk(client: Any, limit: int) -> dict[str, str]:
    """The HTML of every page reached by same-site links from the home page (a few query
    strings per path), by URL; tests/test_pages.py checks that every link leads somewhere."""
    queue, seen = ["/"], {"/"}
    pages: dict[str, str] = {}
    variants: dict[str, int] = {}
    while queue and len(pages) < limit:
        url = queue.pop(0)
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages[url] = page = response.get_data(as_text=True)
        for tag, attribute, value in read(page).urls:
            if tag != "a" or attribute != "href" or not value.startswith("/"):
                continue
            path, _, query = value.partition("#")[0].partition("?")
            target = path + (f"?{query}" if query else "")
            if target in seen or variants.get(path, 0) >= 3:
                continue
            variants[path] = variants.get(path, 0) + 1
            seen.add(target)
            queue.append(target)
    return pages


def _clients(app: Flask) -> Iterator[tuple[str, Any]]:
    yield "visitor", app.test_client()
    for email in DEMO_ACCOUNTS:
        user = db.session.scalars(select(User).where(User.email == email)).one()
        yield email, login(app.test_client(), user)


def user_text() -> UserText:
    """Every text of the demo's database: what people and staff wrote, names and places."""
    from sqlalchemy import String, Text

    values: set[str] = set()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text))
                   and not c.primary_key and not c.name.endswith(("email", "hash", "token",
                                                                 "nonce", "slug", "key"))]
        for column in columns:
            values.update(v for v in db.session.scalars(select(column).distinct())
                          if isinstance(v, str))
    # Markdown is shown rendered: each of its lines as its words read (no ** nor list marks).
    for value in list(values):
        if "\n" in value or "*" in value:
            values.update(markup.plain(line, 10_000) for line in value.splitlines())
    return UserText(values)


def _walk_and_check(app: Flask, language: str) -> None:
    users = user_text()
    faults: dict[str, list[str]] = {}
    walked = 0
    for who, client in _clients(app):
        if language == "en":
            client.post("/langue", data={"lang": "en", "next": "/"})
        pages = walk(client, limit=150)
        walked += len(pages)
        for url, page in pages.items():
            assert f'<html lang="{language}">' in page, (who, url)
            found = typography_faults(page, language, users)
            if found:
                faults[f"{who} {url}"] = found
    assert walked > 300
    report = "\n".join(f"{where}\n  " + "\n  ".join(sorted(set(found)))
                       for where, found in faults.items())
    assert not faults, f"{len(faults)} pages with faults:\n{report}"


def test_every_french_page_of_the_demo(app):
    """Every page reached by links, for a visitor and each demo account, in French."""
    _walk_and_check(app, "fr")


def test_every_english_page_of_the_demo(app, english_catalogue):  # noqa: F811
    """The same pages in English: English words, English dates and sizes."""
    app.extensions["babel"].instance.domain_instance.cache.clear()
    _walk_and_check(app, "en")


def test_every_pdf_of_the_demo(app):
    """The HTML the demo's PDFs are laid out from (syntheses, the dossier) is French as the
    pages are."""
    assert len(PDF_HTML) >= 3
    users = user_text()
    faults = sorted({fault for html in PDF_HTML for fault in typography_faults(html, "fr", users)})
    assert not faults, "\n".join(faults)
