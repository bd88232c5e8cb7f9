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

# (slug, number, title): the five orientations named in the digital strategy.
ORIENTATIONS: list[tuple[str, int, str]] = [
    ("mutation-reussie", 1, "Un territoire en marche vers une mutation réussie"),
    ("excellence-innovation", 2, "La Métropole ou l'excellence de l'innovation"),
    ("territoire-plateforme", 3, "Vers un territoire plate-forme du futur"),
    ("services-au-public", 4, "Des services au public exemplaires"),
    ("fier-de-ses-acteurs", 5, "Un territoire fier de ses acteurs et de ses projets"),
]
