"""Figure blocks that domains above syntheses add to a synthesis.

Syntheses cannot import the domains above them, yet a synthesis may show, say, the
commitments of its project. Such a domain registers a block here: its name (the narrative
places it with a line "[[name]]"), its title, what it computes from the project (plain
JSON-ready data, frozen with the other figures when a version is published) and the template
whose macro `block(data, h, web, key)` draws it. Unlike the built-in figures, a registered block
shows only where the narrative places it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Block:
    """A figure block a domain above syntheses provides."""

    name: str
    title: Any  # a lazy French string
    compute: Callable[[Any], Any]  # project -> JSON-ready data
    template: str  # a template with a macro block(data, h, web, key)


_BLOCKS: dict[str, Block] = {}


def register(name: str, title: Any, compute: Callable[[Any], Any], template: str) -> None:
    """Offer a block to the narratives (once per name)."""
    _BLOCKS[name] = Block(name, title, compute, template)


def registered() -> dict[str, Block]:
    """Every registered block by name, in the order of registration."""
    return dict(_BLOCKS)


def compute_all(project: Any) -> dict[str, Any]:
    """Every registered block's data for a project, by name (kept in the figures' "extra")."""
    return {name: block.compute(project) for name, block in _BLOCKS.items()}
