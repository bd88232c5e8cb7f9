"""Relevance on the demo data: for each query, the result expected comes first, on SQLite and
on PostgreSQL; what nobody may see is never found. The demo is loaded once per backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from consultation.search import services, text
from tests.conftest import data_for_module, on_module_data

pytestmark = pytest.mark.xdist_group("demo")


@pytest.fixture(scope="module")
def loaded(database_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The demo loaded once on this backend."""
    with data_for_module(database_uri, tmp_path_factory) as application:
        result = application.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
    yield application


@pytest.fixture
def app(loaded: Flask) -> Iterator[Flask]:
    """The application on the loaded demo (overrides the clean-database `app`)."""
    with on_module_data(loaded) as application:
        yield application


def results(query: str, **filters) -> list[tuple[str, str, str]]:
    page = services.search_page(text.parse(query), services.Filters(**filters), None, 20)
    return [(r.kind, r.title.striptags(), r.excerpt.striptags()) for r in page.items]


# (query, titles of which one must come first)
FIRST = [
    ("médiateurs numériques", ["Des médiateurs numériques dans les mairies"]),
    ("guichet téléphone", ["Toujours garder un guichet et un téléphone, sans Internet"]),
    ("permanence mairie", ["Une permanence chaque semaine dans chaque mairie"]),
    ("domicile", ["Des rendez-vous à domicile pour les personnes qui ne peuvent pas se "
                  "déplacer"]),
    ("scanner imprimante", ["Une borne en libre accès avec scanner et imprimante"]),
    ("BORNES", ["Une borne en libre accès avec scanner et imprimante",
                "Éteindre les bornes la nuit pour économiser l'énergie"]),
    ("agents accueil", ["Former les agents d'accueil aux démarches en ligne courantes"]),
    ("ateliers samedi", ["Des ateliers le soir et le samedi pour celles et ceux qui "
                         "travaillent"]),
    ("itinerant", ["Un médiateur itinérant dans les bourgs et les quartiers"]),
    ("français facile", ["Des explications en français facile à lire et en plusieurs langues"]),
    ('"pass numérique"', ["Un « pass numérique » pour payer des formations"]),
    ("ordinateur reconditionné", ["Donner des ordinateurs reconditionnés aux foyers qui n'en "
                                  "ont pas"]),
    ("open data", ["Ouverture des données publiques (open data) de la métropole"]),
    ("anonymiser", ["Anonymiser strictement avant toute publication"]),
    ("marchés publics", ["Les budgets et les marchés publics en format ouvert",
                         "Publier les budgets et les marchés publics en format ouvert"]),
    ("hackathon", ["Un hackathon annuel avec les écoles et l'université"]),
    ("stationnement handicapées", ["Les places de stationnement pour personnes handicapées "
                                   "libres en temps réel"]),
    ("consommation énergie bâtiments", ["Les consommations d'énergie des bâtiments publics"]),
    ('"intelligence artificielle"', ["Un débat sur l'intelligence artificielle dans les "
                                     "services publics"]),
    ("réparation téléphones", ["Des ateliers de réparation de téléphones et d'ordinateurs"]),
    ("garderie", ["Une garderie et une diffusion en direct sous-titrée"]),
    ("french tech", ["Un espace pour les entreprises et les labos de French Tech Brest+"]),
    ("sobriete", ["Sobriété numérique des services de la métropole"]),
    ("repair café", ["Un repair café chaque mois dans chaque tiers-lieu"]),
    ("coworking plouzane", ["Des postes de coworking pour les télétravailleurs à Plouzané"]),
    ("Bohars poste", ["Installer le tiers-lieu de Bohars dans l'ancienne poste"]),
    ("fablab", ["Un fablab à Guipavas, près de la zone de Kergaradec"]),
    ("kergaradec", ["Un fablab à Guipavas, près de la zone de Kergaradec"]),
    ("gouvernance partagée", ["Une gouvernance partagée avec les associations et les usagers"]),
    ("tiers-lieu mobile", ["Un tiers-lieu mobile pour les communes rurales du Pays de Brest"]),
    ("Wi-Fi municipal", ["Wi-Fi municipal gratuit dans les centres-villes"]),
    ('"place de la Liberté"', ["Couvrir la place de la Liberté et la rue de Siam"]),
    ("cours Dajot", ["Le port de commerce et le cours Dajot"]),
    ("technopole", ["Le centre-bourg de Plouzané et le Technopôle"]),
    ("prises recharge", ["Des bancs avec prises de recharge près des points d'accès"]),
    ("éteindre bornes nuit", ["Éteindre les bornes la nuit pour économiser l'énergie"]),
    ("médiathèques centres sociaux", ["Commencer par les médiathèques et les centres sociaux"]),
    ("carte points d'accès", ["Une carte des points d'accès, en ligne et affichée en mairie"]),
    ("publicité connexion", ["Aucune publicité sur la page de connexion"]),
    ("Moulin Blanc", ["Le Moulin Blanc et le sentier côtier jusqu'au Relecq-Kerhuon"]),
    ("ondes", ["Mesurer les ondes et publier les résultats"]),
    ("commerçants réseau", ["Partager le réseau avec les commerçants des centres-villes"]),
    ("capteurs qualité air", ["Installer des capteurs de qualité de l'air dans chaque "
                              "quartier"]),
]


@pytest.mark.parametrize("query, expected", FIRST, ids=[q for q, _ in FIRST])
def test_expected_result_comes_first(app, query, expected):
    found = results(query)
    assert found, f"nothing found for {query!r}"
    assert found[0][1] in expected, [title for _, title, _ in found[:5]]


def test_enough_queries():
    assert len(FIRST) >= 30


def test_exclusion_and_kind_filter(app):
    found = results("wifi -tram", kind="proposal")
    assert found and all("tram" not in (t + e).lower() for _, t, e in found)
    assert {kind for kind, _, _ in results("wifi", kind="project")} == {"project"}


@pytest.mark.parametrize("query", ["forfaits illimités boutique", "prix cassés",
                                   "assistés abonnement", '"arrêts de bus et de tram"',
                                   "wifi téléphérique"])
def test_hidden_held_merged_and_withdrawn_content_is_never_found(app, query):
    # The spam proposal (hidden), the held comment, the duplicate merged into another, the
    # proposal its author withdrew.
    assert results(query) == []
