"""Edition transitions on the model: publish a draft, republish a published edition."""

from __future__ import annotations

import pytest

from consultation.core.errors import IllegalTransition
from consultation.rencontres.models import Edition, EditionState
from consultation.syntheses.models import SynthesisVersion


def _edition(*versions: SynthesisVersion) -> Edition:
    return Edition(year=2026, state=EditionState.DRAFT, syntheses=list(versions))


def test_publish_a_draft_then_republish(app):
    """A draft gathering a synthesis is published; republishing keeps its date."""
    edition = _edition(SynthesisVersion(number=1))
    edition.publish()
    assert edition.state == EditionState.PUBLISHED and edition.is_published
    published_at = edition.published_at
    assert published_at is not None
    edition.republish()
    assert edition.published_at == published_at


def test_publishing_what_is_published_is_refused(app):
    """Published twice: refused (a change is republished)."""
    edition = _edition(SynthesisVersion(number=1))
    edition.publish()
    with pytest.raises(IllegalTransition, match="Cette édition est déjà publiée."):
        edition.publish()


def test_republishing_a_draft_is_refused(app):
    """A draft is published first."""
    edition = _edition(SynthesisVersion(number=1))
    with pytest.raises(IllegalTransition, match="pas encore publiée"):
        edition.republish()
    assert edition.state == EditionState.DRAFT


def test_an_edition_without_synthesis_is_not_published(app):
    """It gathers at least one synthesis."""
    edition = _edition()
    with pytest.raises(IllegalTransition, match="Rattachez au moins une synthèse"):
        edition.publish()
    assert edition.state == EditionState.DRAFT and edition.published_at is None
