"""Open data: every public dataset of the platform as CSV and JSON, in one zip described by a
Frictionless Data Package, under the Licence Ouverte. Imports the models of every domain; no
domain imports it."""

from flask import Blueprint

bp = Blueprint("opendata", __name__)

from consultation.opendata import receivers, views  # noqa: E402,F401

receivers.connect()
