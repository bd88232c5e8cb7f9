"""Full-text search: the index of everything a visitor may find, /recherche, and the finders
of proposals that the domains below use through core/similar.py and core/textfilter.py."""

from flask import Blueprint

bp = Blueprint("search", __name__)

from consultation.core import similar, textfilter  # noqa: E402
from consultation.search import listeners, models, receivers, services, views  # noqa: E402,F401

listeners.connect()
receivers.connect()
similar.register(services.similar, services.find)
textfilter.register(services.proposal_ids)
