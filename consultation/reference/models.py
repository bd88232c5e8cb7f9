"""Territories and orientations, loaded by a migration (see reference/data.py)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from consultation.extensions import Model

TERRITORY_KINDS = ("commune", "intercommunalite")


class Territory(Model):
    """A commune of Brest métropole or another intercommunality of the Pays de Brest."""

    __tablename__ = "territories"
    __table_args__ = (CheckConstraint("kind IN ('commune', 'intercommunalite')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # INSEE or SIREN code
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Inhabitants (INSEE's population municipale; see data.py); None when not known.
    population: Mapped[int | None] = mapped_column(Integer)

    @property
    def kind_label(self) -> str:
        """Human label of the kind, for grouping in select lists."""
        from flask_babel import gettext as _

        return _("Communes de Brest métropole") if self.kind == "commune" else _(
            "Autres intercommunalités du Pays de Brest"
        )


class Orientation(Model):
    """One of the five strategic orientations of the digital strategy, used as a theme."""

    __tablename__ = "orientations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(160))
