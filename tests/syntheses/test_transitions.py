"""The synthesis draft's transition to a published version."""

from __future__ import annotations

import pytest

from consultation.core.errors import IllegalTransition
from consultation.syntheses.models import SynthesisDraft


def test_first_version_needs_a_text(app):
    """An empty narrative is not published; a written one becomes version 1."""
    draft = SynthesisDraft(narrative="  ", change_note="")
    with pytest.raises(IllegalTransition, match="Écrivez le texte de la synthèse"):
        draft.publish(0)
    draft.narrative = "Ce que retient la consultation."
    assert draft.publish(0) == 1


def test_later_version_says_what_changed(app):
    """After version 2, version 3 needs its note; the draft then starts without it."""
    draft = SynthesisDraft(narrative="Texte révisé.", change_note="")
    with pytest.raises(IllegalTransition, match="par rapport à la version 2"):
        draft.publish(2)
    draft.change_note = "Chiffres mis à jour."
    assert draft.publish(2) == 3
    assert draft.change_note == ""
