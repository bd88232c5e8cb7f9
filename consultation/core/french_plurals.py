"""Fill the French catalogue's plural entries: French is the source language, so only plural
forms need entries there, for French's rule (0 and 1 are singular).

Usage: python -m consultation.core.french_plurals translations/fr/LC_MESSAGES/messages.po
"""

from __future__ import annotations

import sys

from babel.messages.pofile import read_po, write_po


def fill(path: str) -> int:
    """Copy each plural message's singular and plural source into its translation."""
    with open(path, "rb") as handle:
        catalogue = read_po(handle, locale="fr")
    filled = 0
    for message in catalogue:
        if message.id and message.pluralizable:
            message.string = (message.id[0], message.id[1])
            filled += 1
    catalogue.obsolete.clear()
    with open(path, "wb") as handle:
        write_po(handle, catalogue, width=100)
    return filled


if __name__ == "__main__":
    print(f"{fill(sys.argv[1])} formes plurielles")
