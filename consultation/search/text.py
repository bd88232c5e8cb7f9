"""French text for the index: plain text out of markdown, words, stems, the query language.

Both databases read the same words: hyphenated words are joined ("Wi-Fi" is "wifi") and their
parts added at the end of the text, so "wifi", "Wi-Fi" and "Fi" all find it while phrases keep
their positions. SQLite then gets every word lower-cased, without accents, without stop words
and stemmed by Snowball's French stemmer (FTS5 has no French of its own); PostgreSQL gets the
joined text and does the same with its `fr_unaccent` configuration (unaccent + french_stem).
A query is parsed here into words, phrases and excluded words; the databases get only words of
letters and digits, always quoted, never the visitor's syntax.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import nh3
import snowballstemmer
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from consultation.core.errors import DomainError
from consultation.core.markup import render

# PostgreSQL's french.stop, so that both databases leave out the same words.
STOP_WORDS = frozenset([
    "au", "aux", "avec", "ce", "ces", "dans", "de", "des", "du", "elle", "en", "et", "eux",
    "il", "je", "la", "le", "leur", "lui", "ma", "mais", "me", "même", "mes", "moi", "mon",
    "ne", "nos", "notre", "nous", "on", "ou", "par", "pas", "pour", "qu", "que", "qui", "sa",
    "se", "ses", "son", "sur", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vos",
    "votre", "vous", "c", "d", "j", "l", "à", "m", "n", "s", "t", "y", "été", "étée", "étées",
    "étés", "étant", "étante", "étants", "étantes", "suis", "es", "est", "sommes", "êtes",
    "sont", "serai", "seras", "sera", "serons", "serez", "seront", "serais", "serait",
    "serions", "seriez", "seraient", "étais", "était", "étions", "étiez", "étaient", "fus",
    "fut", "fûmes", "fûtes", "furent", "sois", "soit", "soyons", "soyez", "soient", "fusse",
    "fusses", "fût", "fussions", "fussiez", "fussent", "ayant", "ayante", "ayantes", "ayants",
    "eu", "eue", "eues", "eus", "ai", "as", "avons", "avez", "ont", "aurai", "auras", "aura",
    "aurons", "aurez", "auront", "aurais", "aurait", "aurions", "auriez", "auraient", "avais",
    "avait", "avions", "aviez", "avaient", "eut", "eûmes", "eûtes", "eurent", "aie", "aies",
    "ait", "ayons", "ayez", "aient", "eusse", "eusses", "eût", "eussions", "eussiez", "eussent",
])
MAX_QUERY = 200  # characters read of a query
MAX_WORDS = 20  # words of a query (a proposal's text, for similar ones, keeps its first ones)
WORD = re.compile(r"[^\W_]+")
# Tried at the start of a word only, its runs of letters never given back (possessive): the
# plain pattern tried again from every letter of every word and backtracked through it, twice
# per text indexed (5.7 % of a comment's POST, counted, for a text without a single hyphen).
HYPHENATED = re.compile(r"(?<![^\W_])[^\W_]++(?:[-‐‑][^\W_]++)+")
HYPHENS = ("-", "‐", "‑")
LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_stemmer = snowballstemmer.stemmer("french")


class QueryError(DomainError):
    """A query with nothing to look for; its message says what to type."""


def plain_text(source: str | None) -> str:
    """The text of markdown as a reader sees it: no markup, one space between words."""
    if not source:
        return ""
    return " ".join(html.unescape(nh3.clean(str(render(source)), tags=set())).split())


def unaccent(word: str) -> str:
    """Lower case, without accents or ligatures."""
    decomposed = unicodedata.normalize("NFKD", word.translate(LIGATURES).lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=50_000)
def is_stop_word(word: str) -> bool:
    """A word too common to look for (PostgreSQL's French list); kept per word, as stems are:
    every comment written is indexed at once, mostly with words met before."""
    return word.lower() in STOP_WORDS or unaccent(word) in STOP_WORDS


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The word as the SQLite index keeps it: unaccented, stemmed."""
    return _stemmer.stemWord(unaccent(word))


def _join(match: re.Match[str]) -> str:
    return "".join(WORD.findall(match.group(0)))


def _hyphenated(text: str) -> bool:
    """Whether the text has a hyphen at all (most texts of a debate have none)."""
    return any(hyphen in text for hyphen in HYPHENS)


def joined(text: str) -> str:
    """The text with its hyphenated words joined ("Wi-Fi" -> "WiFi")."""
    return HYPHENATED.sub(_join, text) if _hyphenated(text) else text


def index_text(text: str) -> str:
    """What PostgreSQL indexes: hyphenated words joined in place, their parts at the end."""
    if not _hyphenated(text):
        return text
    parts = [word for found in HYPHENATED.findall(text) for word in WORD.findall(found)]
    return " ".join([joined(text), *parts]) if parts else joined(text)


def stemmed_text(text: str) -> str:
    """What SQLite indexes: the stems of index_text's words, stop words left out."""
    return " ".join(stem(w) for w in WORD.findall(index_text(text)) if not is_stop_word(w))


def words(text: str) -> list[str]:
    """The words of a piece of query text, hyphenated ones joined."""
    return WORD.findall(joined(text))


@dataclass
class Query:
    """A parsed query: words all required, phrases (words in order), excluded words."""

    terms: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    @property
    def positive(self) -> list[str]:
        """Every word looked for, phrases' included."""
        return self.terms + [w for phrase in self.phrases for w in phrase]

    def stems(self) -> set[str]:
        """The stems of the words looked for (to highlight them)."""
        return {stem(w) for w in self.positive if not is_stop_word(w)}


def _clean(raw: str) -> str:
    # Control characters (null bytes included) are never part of a word.
    kept = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in raw[:MAX_QUERY])
    return unicodedata.normalize("NFC", kept)


def parse(raw: str | None) -> Query:
    """Words, "phrases in quotes" and -excluded words; QueryError when nothing is left to find."""
    text = _clean(raw or "")
    query = Query()
    # Quoted phrases first; an unpaired quote is just a separator.
    for phrase in re.findall(r'"([^"]*)"', text):
        found = words(phrase)
        if len(found) == 1:
            query.terms.extend(found)
        elif found:
            query.phrases.append(found[:MAX_WORDS])
    rest = re.sub(r'"[^"]*"', " ", text).replace('"', " ")
    for token in rest.split():
        if token.startswith(("-", "−")) and len(token) > 1:
            query.excluded.extend(w for w in words(token[1:]) if not is_stop_word(w))
        else:
            query.terms.extend(w for w in words(token) if not is_stop_word(w))
    query.terms = list(dict.fromkeys(query.terms))[:MAX_WORDS]
    query.excluded = list(dict.fromkeys(query.excluded))[:MAX_WORDS]
    if not any(not is_stop_word(w) for w in query.positive):
        if query.excluded:
            raise QueryError(str(_l(
                "Indiquez au moins un mot à chercher : le signe moins exclut un mot, "
                "il ne suffit pas seul."
            )))
        raise QueryError(str(_l(
            "Cette recherche ne contient aucun mot à chercher : essayez des mots plus précis."
        )))
    return query


def any_words(text: str) -> Query:
    """A whole text as a query matching any of its significant words (similar proposals)."""
    found = [w for w in words(_clean(text[:2000])) if not is_stop_word(w) and len(w) > 1]
    return Query(terms=list(dict.fromkeys(found))[:MAX_WORDS])


# --- Excerpts ---------------------------------------------------------------------------------

MARKED = re.compile(r"[^\W_]+(?:[-‐‑][^\W_]+)*")


@lru_cache(maxsize=50_000)
def _word_stems(word: str) -> frozenset[str]:
    parts = WORD.findall(word)
    return frozenset({stem("".join(parts)), *(stem(p) for p in parts)})


def _hits(text: str, stems: set[str], within: int | None = None) -> list[tuple[int, int]]:
    """The spans of the words found; with `within`, none further than that from the first."""
    spans: list[tuple[int, int]] = []
    for match in MARKED.finditer(text):
        if within is not None and spans and match.start() > spans[0][0] + within:
            break  # past any window an excerpt may show
        if _word_stems(match.group(0)) & stems:
            spans.append(match.span())
    return spans


def highlight(text: str, stems: set[str], length: int | None = None) -> Markup:
    """The text (or a window of `length` characters around its first match), escaped, with the
    query's words in <mark>."""
    start, end = 0, len(text)
    spans = _hits(text, stems, length) if stems else []
    if length is not None and len(text) > length:
        first = spans[0][0] if spans else 0
        start = max(0, first - length // 3)
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < first else start
        end = min(len(text), start + length)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > start else end
    pieces: list[str] = ["…" if start else ""]
    at = start
    for left, right in spans:
        if left < at or right > end:
            continue
        pieces += [str(escape(text[at:left])), "<mark>", str(escape(text[left:right])), "</mark>"]
        at = right
    pieces.append(str(escape(text[at:end])))
    if end < len(text):
        pieces.append("…")
    return Markup("".join(pieces))
