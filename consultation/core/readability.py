"""How easy a French text is to read: Flesch reading ease with Kandel & Moles' coefficients.

The measure comes from textstat (syllables counted with Pyphen's French dictionary):
207 - 1.015 x words per sentence - 73.6 x syllables per word. It rewards short sentences and
short words, which is what plain language ("langage clair", FALC) asks for; it says nothing of
meaning, so the page also recalls the rules a writer follows.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import nh3
from flask_babel import lazy_gettext as _l

from consultation.core import markup

# (lowest score, label) from the easiest band down, on the usual Flesch scale.
LEVELS: tuple[tuple[float, Any], ...] = (
    (90, _l("Très facile")),
    (80, _l("Facile")),
    (70, _l("Assez facile")),
    (60, _l("Standard")),
    (50, _l("Assez difficile")),
    (float("-inf"), _l("Difficile")),
)

PLAIN_LANGUAGE_RULES: tuple[Any, ...] = (
    _l("Des phrases courtes : 15 mots au plus, une idée par phrase."),
    _l("Un seul message par phrase, le plus important d'abord."),
    _l("Des mots courants plutôt que des termes techniques ou administratifs."),
    _l("La voix active : « la métropole ouvre » plutôt que « il est procédé à l'ouverture »."),
    _l("Pas de sigle sans l'expliquer la première fois."),
    _l("Parlez au lecteur : « vous » plutôt qu'une tournure impersonnelle."),
    _l("Des chiffres écrits en chiffres, des dates complètes."),
)

_BLOCK_END = re.compile(r"</(p|li|h[1-6]|blockquote|pre|td|th)>|<br\s*/?>", re.IGNORECASE)
_ENDS_SENTENCE = (".", "!", "?", "…")


@lru_cache(maxsize=1)
def _french() -> Any:
    """textstat set for French, imported on first use: it pulls in NLTK, which takes seconds
    to import and is needed only on the page that checks readability."""
    from textstat.textstat import textstatistics

    measurer = textstatistics()
    measurer.set_lang("fr")
    return measurer


@dataclass(frozen=True)
class Readability:
    """A text's readability: score, plain-French label and the counts it comes from."""

    score: float
    label: Any
    words: int
    sentences: int
    words_per_sentence: float

    @property
    def shown_score(self) -> int:
        """The score on the 0-100 scale readers know (the formula can go past either end)."""
        return int(round(min(100.0, max(0.0, self.score))))


def _sentences_of(source: str) -> str:
    """The words of markdown text, each paragraph or list item ending as a sentence."""
    rendered = _BLOCK_END.sub("\n", str(markup.render(source)))
    lines = [" ".join(line.split()) for line in html.unescape(nh3.clean(rendered, tags=set()))
             .splitlines()]
    return " ".join(
        line if line.endswith(_ENDS_SENTENCE) else f"{line}." for line in lines if line
    )


def label_for(score: float) -> Any:
    """The plain-French band of a Flesch score."""
    return next(label for lowest, label in LEVELS if score >= lowest)


def measure(source: str | None) -> Readability | None:
    """The readability of markdown text, or None when it has no words."""
    text = _sentences_of(source or "")
    french = _french()
    words = french.lexicon_count(text) if text else 0
    if not words:
        return None
    sentences = max(1, french.sentence_count(text))
    score = round(float(french.flesch_reading_ease(text)), 1)
    return Readability(
        score=score,
        label=label_for(score),
        words=words,
        sentences=sentences,
        words_per_sentence=round(words / sentences, 1),
    )
