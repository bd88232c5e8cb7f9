"""Small text utilities."""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str, max_length: int = 80) -> str:
    """A lower-case ASCII slug: "Wi-Fi municipal à Brest" -> "wi-fi-municipal-a-brest"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "projet"


# --- French typography --------------------------------------------------------------------------

# Words that begin with a vowel sound: a vowel, or a mute h (names and titles: Hélène, Hervé,
# Hôtel de ville). A few aspirated h are known and keep "de" (la Halle, le Hangar).
_VOWELS = "aàâäeéèêëiîïoôöuùûüœæ"
_ASPIRATED_H = ("halle", "hall", "hameau", "hangar", "haut", "hauteur", "hêtre", "héros", "hibou",
                "honte", "hors", "housse", "hublot", "huit")


def starts_with_vowel_sound(word: str) -> bool:
    """True when French elides before `word`: "d'Anne-Laure", "d'Hélène", "d'Yves", but
    "de Yann", "de la Halle"."""
    word = word.lstrip("«\u00a0\u202f \"'(")
    if not word:
        return False
    lower = word.lower()
    first = lower[0]
    if first in _VOWELS:
        return True
    if first == "y":  # Yves, Yvonne elide; Yann, Yannick do not (a y before a vowel)
        return len(lower) > 1 and lower[1] not in _VOWELS + "y"
    if first == "h":
        return not lower.startswith(_ASPIRATED_H)
    return False


_ELIDING = {"de": "d'", "De": "D'", "que": "qu'", "Que": "Qu'", "le": "l'", "Le": "L'",
            "la": "l'", "La": "L'"}


def de(word: str, article: str = "de") -> str:
    """`article` + `word` as French writes it: de("Yann") is "de Yann", de("Anne") is
    "d'Anne", de("Hélène", "que") is "qu'Hélène"."""
    if starts_with_vowel_sound(word):
        return _ELIDING[article] + word
    return f"{article} {word}"


def elide(text: str, *words: str) -> str:
    """`text` with "de", "que", "le" or "la" elided before each of `words` where it stands
    right before it: "le commentaire de Anne" becomes "le commentaire d'Anne". For strings
    composed around a name or a title (the word is only known once the string is built)."""
    for word in words:
        if not word or not starts_with_vowel_sound(word):
            continue
        pattern = re.compile(r"(?<![\w'’])(de|De|que|Que)[ \u00a0](?=" + re.escape(word) + ")")
        text = pattern.sub(lambda m: _ELIDING[m.group(1)], text)
    return text


def shares(counts: list[int] | tuple[int, ...]) -> list[int]:
    """Whole percentages of `counts` that add up to 100 (the largest remainder method): each
    share is rounded down, then the points left go to the largest remainders (ties: the
    first). All zeros when the counts are all zero."""
    total = sum(counts)
    if total <= 0:
        return [0 for _ in counts]
    # Whole numbers only: 100 * count = floor * total + remainder, exactly.
    floors = [100 * count // total for count in counts]
    remainders = [100 * count % total for count in counts]
    left = 100 - sum(floors)
    order = sorted(range(len(counts)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return floors


_SPACE_BEFORE = re.compile(r"[ \u202f]([;:!?»])")
_SPACE_AFTER = re.compile(r"« ")


def typeset_french(text: str) -> str:
    """French interface text with a non-breaking space (U+00A0) before ; : ! ? and » and after
    «, where the text has a plain one, so that a line never starts with "?" or "»"."""
    if " " not in text:
        return text
    text = _SPACE_BEFORE.sub("\u00a0\\1", text)
    return _SPACE_AFTER.sub("«\u00a0", text)
