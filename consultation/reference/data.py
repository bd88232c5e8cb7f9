"""The reference rows, inserted by the migration that creates their tables."""

from __future__ import annotations

# (code, name, kind): the 8 communes of Brest métropole (INSEE codes), then the other
# intercommunalities of the Pays de Brest (short stable codes of our own).
TERRITORIES: list[tuple[str, str, str]] = [
    ("29019", "Brest", "commune"),
    ("29011", "Bohars", "commune"),
    ("29061", "Gouesnou", "commune"),
    ("29069", "Guilers", "commune"),
    ("29075", "Guipavas", "commune"),
    ("29235", "Le Relecq-Kerhuon", "commune"),
    ("29189", "Plougastel-Daoulas", "commune"),
    ("29212", "Plouzané", "commune"),
    ("cc-abers", "Communauté de communes du Pays des Abers", "intercommunalite"),
    ("cc-iroise", "Communauté de communes du Pays d'Iroise", "intercommunalite"),
    ("cc-landerneau", "Communauté d'agglomération du Pays de Landerneau-Daoulas",
     "intercommunalite"),
    ("cc-crozon", "Communauté de communes Presqu'île de Crozon-Aulne maritime",
     "intercommunalite"),
    ("cc-landivisiau", "Communauté de communes du Pays de Landivisiau", "intercommunalite"),
    ("cc-pleyben", "Communauté de communes Pleyben-Châteaulin-Porzay", "intercommunalite"),
]

# Inhabitants per territory, for participation per 1,000 inhabitants. Source: INSEE,
# populations légales 2021 (population municipale), in force on 1 January 2024, as published on
# collectivites-locales.gouv.fr. The 8 communes are the exact figures (Brest métropole: 211,920).
# The intercommunalities are their 2021 totals rounded to the hundred: an admin enters the exact
# figures of INSEE's table at /admin/territoires (each change is logged in the journal).
POPULATION_SOURCE = (
    "Insee, populations légales 2021 (population municipale), en vigueur au 1er janvier 2024"
)
POPULATIONS: dict[str, int] = {
    "29019": 139_619,  # Brest
    "29011": 3_615,  # Bohars
    "29061": 6_347,  # Gouesnou
    "29069": 8_170,  # Guilers
    "29075": 15_460,  # Guipavas
    "29235": 11_791,  # Le Relecq-Kerhuon
    "29189": 13_445,  # Plougastel-Daoulas
    "29212": 13_473,  # Plouzané
    "cc-abers": 41_800,
    "cc-iroise": 50_000,
    "cc-landerneau": 49_300,
    "cc-crozon": 23_300,
    "cc-landivisiau": 33_400,
    "cc-pleyben": 22_900,
}

# (slug, number, title): the five orientations named in the digital strategy.
ORIENTATIONS: list[tuple[str, int, str]] = [
    ("mutation-reussie", 1, "Un territoire en marche vers une mutation réussie"),
    ("excellence-innovation", 2, "La Métropole ou l'excellence de l'innovation"),
    ("territoire-plateforme", 3, "Vers un territoire plate-forme du futur"),
    ("services-au-public", 4, "Des services au public exemplaires"),
    ("fier-de-ses-acteurs", 5, "Un territoire fier de ses acteurs et de ses projets"),
]
