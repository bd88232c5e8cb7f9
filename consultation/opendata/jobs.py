"""The job that rebuilds the open data after a publication, at most once per few minutes."""

from __future__ import annotations

from consultation.opendata import services


def refresh() -> str:
    """Rebuild the zip after a publication, unless another build ended less than
    OPENDATA_REBUILD_MINUTES ago or is under way (the scheduled `flask opendata build` then
    publishes the change). Running it twice does no harm: the second finds the first's zip."""
    if not services.due():
        return "recent"
    return services.build(services.ask())
