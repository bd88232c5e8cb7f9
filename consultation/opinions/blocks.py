"""The synthesis block [[opinions]]: the opinion map, frozen with the synthesis version.

When a version is published, its figures keep `compute(project)`: the map's data as the page
shows it (maps.map_data: the stored analysis and the statements' texts), so the published
version keeps its map however the answers change afterwards, on the web and in the PDF.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consultation.extensions import db
from consultation.opinions import maps
from consultation.opinions.models import Debate
from consultation.syntheses import blocks


def compute(project: Any) -> dict[str, Any]:
    """The project's opinion map as JSON-ready data; {} when it has no debate."""
    debate = db.session.scalar(select(Debate).where(Debate.project_id == project.id))
    if debate is None:
        return {}
    stored, texts = maps.load(debate)
    return maps.map_data(debate, stored, texts)


blocks.register("opinions", _l("La carte des opinions"), compute, "opinions/_map_block.html")
