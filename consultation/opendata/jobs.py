"""The job that rebuilds the open data after a publication, at most once per few minutes."""

from __future__ import annotations

from consultation.opendata import services


def refresh() -> str:
    """Rebuild the zip after a publication, unless the last build is younger than
    OPENDATA_REBUILD_MINUTES or one is under way: then leave a pending document, which the next
    due job or `flask opendata build` builds. Running it twice does no harm."""
    current = services.state()
    if current.running or not services.is_due(current):
        if current.waiting is None:
            services.ask()
        return "waiting"
    return services.build(current.waiting or services.ask())
