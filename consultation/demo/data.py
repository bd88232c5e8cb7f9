"""The demo content, as plain data loaded by consultation/demo/cli.py.

It is drawn from the opinion of the Conseil de développement de la Métropole et du Pays de
Brest on the digital strategy "Brest Horizon Digital" (Wi-Fi in town centres, tiers-lieux,
digital mediators, open data, responsible digital services, the yearly Rencontres).

Conventions:
- people are named by a key of STAFF or CITIZENS;
- territories by their name in consultation/reference/data.py, orientations by slug;
- phase dates are offsets in days from today, inclusive;
- a comment is (author, stance, text) or (author, stance, text, [replies]), replies nesting
  the same way (two levels of replies at most);
- a proposal may carry "popularity" (0 to 1, how often citizens support it), "withdrawn"
  (its author withdraws it) and "answer" (status, markdown text, days after the synthesis
  phase started).
"""

from __future__ import annotations

import re
import textwrap
from typing import Any


def _md(text: str) -> str:
    """Markdown from an indented, hard-wrapped literal: paragraphs and list items unwrapped."""
    blocks = []
    for block in textwrap.dedent(text).strip().split("\n\n"):
        lines: list[str] = []
        for line in block.splitlines():
            if lines and not re.match(r"(#+ |- |\d+\. )", line):
                lines[-1] += " " + line.strip()
            else:
                lines.append(line.rstrip())
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


PASSWORD = "demo-brest-2026"

# The accounts shown by `flask demo load`, one per role (label: the role as printed).
STAFF: list[dict[str, Any]] = [
    {
        "key": "admin",
        "label": "Administrateur·rice",
        "email": "admin@demo.brest.fr",
        "name": "Brest métropole – Service participation",
        "commune": "Brest",
        "roles": ["admin"],
    },
    {
        "key": "moderation",
        "label": "Modérateur·rice",
        "email": "moderation@demo.brest.fr",
        "name": "Gaëlle Moal (modération)",
        "commune": "Brest",
        "roles": ["moderator"],
    },
    {
        "key": "mediation",
        "label": "Médiateur·rice numérique",
        "email": "mediation@demo.brest.fr",
        "name": "Thomas Jaouen (médiation numérique)",
        "commune": "Guipavas",
        "roles": ["mediator"],
    },
    {
        "key": "elu",
        "label": "Élu·e",
        "email": "elu@demo.brest.fr",
        "name": "Anne Kervella (vice-présidente au numérique)",
        "commune": "Brest",
        "roles": ["elected"],
    },
    {
        "key": "citoyenne",
        "label": "Citoyen·ne",
        "email": "citoyenne@demo.brest.fr",
        "name": "Maëlle Le Gall",
        "commune": "Brest",
        "roles": [],
    },
]

# The other citizens who write the content: (key, email, display name, commune).
CITIZENS: list[tuple[str, str, str, str]] = [
    ("yann", "yann.kerbrat@demo.brest.fr", "Yann Kerbrat", "Plouzané"),
    ("nolwenn", "nolwenn.lebris@demo.brest.fr", "Nolwenn Le Bris", "Brest"),
    ("gwen", "gwenael.tanguy@demo.brest.fr", "Gwenaël Tanguy", "Guipavas"),
    ("soizic", "soizic.morvan@demo.brest.fr", "Soizic Morvan", "Le Relecq-Kerhuon"),
    ("erwan", "erwan.quere@demo.brest.fr", "Erwan Quéré", "Plougastel-Daoulas"),
    ("annelaure", "annelaure.pennec@demo.brest.fr", "Anne-Laure Pennec", "Gouesnou"),
    ("karim", "karim.benali@demo.brest.fr", "Karim Benali", "Brest"),
    ("mtherese", "marietherese.abgrall@demo.brest.fr", "Marie-Thérèse Abgrall", "Bohars"),
    ("loic", "loic.leroux@demo.brest.fr", "Loïc Le Roux", "Guilers"),
    ("fatou", "fatou.diallo@demo.brest.fr", "Fatou Diallo", "Brest"),
    ("tristan", "tristan29@demo.brest.fr", "Tristan29",
     "Communauté d'agglomération du Pays de Landerneau-Daoulas"),
    ("jeanne", "jeanne.cloarec@demo.brest.fr", "Jeanne Cloarec",
     "Communauté de communes du Pays d'Iroise"),
    ("pyves", "pierreyves.gueguen@demo.brest.fr", "Pierre-Yves Guéguen",
     "Communauté de communes du Pays des Abers"),
    ("rade", "laradeconnectee@demo.brest.fr", "LaRadeConnectée", "Brest"),
    ("helene", "helene.caradec@demo.brest.fr", "Hélène Caradec",
     "Communauté de communes Presqu'île de Crozon-Aulne maritime"),
]

COMMUNES = [
    "Brest", "Bohars", "Gouesnou", "Guilers", "Guipavas", "Le Relecq-Kerhuon",
    "Plougastel-Daoulas", "Plouzané",
]

# --- Wi-Fi municipal (consultation open: the main demo project) -----------------------------

WIFI: dict[str, Any] = {
    "title": "Wi-Fi municipal gratuit dans les centres-villes",
    "summary": (
        "Brest métropole veut ouvrir un accès Wi-Fi public et gratuit dans les centres-villes, "
        "les rues piétonnes et les grands espaces publics des huit communes. Où l'installer, et "
        "comment le rendre simple, sûr et sobre ?"
    ),
    "plain_summary": _md("""
        - La métropole veut installer un **Wi-Fi gratuit** dans les centres-villes.
        - Vous pouvez dire **où** il serait le plus utile.
        - Vous pouvez dire **comment** il doit marcher.
        - Chaque proposition recevra une réponse.
    """),
    "body": _md("""
        ## Pourquoi ce projet

        Dans son avis sur la stratégie numérique « Brest Horizon Digital », le Conseil de
        développement de la Métropole et du Pays de Brest préconise la création d'espaces
        Wi-Fi municipaux gratuits dans les centres-villes, les espaces publics et les rues
        piétonnes du territoire métropolitain.

        Un accès gratuit à Internet dans l'espace public aide celles et ceux qui n'ont pas de
        forfait mobile suffisant, les étudiants, les visiteurs, et toutes les personnes qui
        ont une démarche à faire en ligne loin de chez elles.

        ## Ce qui est déjà décidé

        - Le service sera **gratuit**, sans publicité et ouvert à toutes et tous.
        - Les données de connexion seront limitées au strict minimum exigé par la loi.
        - Les premiers points d'accès seront installés dans les huit communes de la
          métropole.

        ## Sur quoi nous vous consultons

        - **Les lieux** : quelles places, rues, parcs ou équipements couvrir en priorité ?
        - **Les usages** : à quoi vous servirait ce Wi-Fi au quotidien ?
        - **Les conditions** : horaires, sobriété énergétique, accessibilité, protection de
          la vie privée.

        ## Et après ?

        À la fin de la consultation, l'équipe de modération publiera une synthèse des
        contributions. Chaque proposition recevra une réponse officielle de la métropole, et
        le bilan sera présenté aux prochaines Rencontres des numériques.
    """),
    "orientation": "mutation-reussie",
    "territories": COMMUNES,
    "support_limit": None,
    "phases": {
        "information": (-60, -31),
        "consultation": (-30, 45),
        "synthesis": (46, 75),
        "follow_up": (76, 400),
    },
    "comments": [
        ("loic", "contre",
         "Tout le monde ou presque a un forfait 4G ou 5G aujourd'hui. Je ne suis pas sûr que "
         "ce soit la meilleure façon de dépenser l'argent public.",
         [
             ("fatou", "pour",
              "Pas tout le monde, justement. Beaucoup de personnes que j'accompagne ont des "
              "forfaits à 2 Go qui sont vides au bout de dix jours.",
              [
                  ("loic", "neutre",
                   "C'est un argument que je n'avais pas en tête. Il faudrait alors cibler "
                   "les lieux où ces personnes vont vraiment."),
              ]),
             ("yann", "neutre",
              "Le coût annoncé serait utile pour en juger. La métropole peut-elle publier "
              "une estimation par point d'accès ?"),
         ]),
        ("nolwenn", "pour",
         "Très bonne idée, surtout pour les étudiants et les touristes. Brest a tout à y "
         "gagner en attractivité."),
        ("mtherese", "neutre",
         "Dans les bourgs comme Bohars, le centre est petit : une seule borne près de la "
         "mairie et de la médiathèque suffirait sans doute.",
         [
             ("annelaure", "pour",
              "Même chose à Gouesnou. Pensez aussi aux terrains de sport et à la salle "
              "polyvalente, très fréquentés le week-end."),
         ]),
        ("karim", "pour",
         "À condition que la vie privée soit respectée, c'est un vrai service public. J'ai "
         "déposé une proposition dans ce sens."),
    ],
    "proposals": [
        {
            "author": "tristan",
            "title": "Du Wi-Fi dans les cabines du téléphérique",
            "body": (
                "Le trajet est court mais les cabines sont souvent pleines de touristes qui "
                "cherchent une connexion. Un accès dans les cabines permettrait de "
                "découvrir la rade et les Capucins en ligne pendant la traversée."
            ),
            "territory": "Brest",
            "popularity": 0.1,
            "withdrawn": True,
            "comments": [
                ("rade", "neutre",
                 "Les stations du téléphérique sont déjà prévues dans la liste des premiers "
                 "points d'accès, et la traversée ne dure que trois minutes.",
                 [
                     ("tristan", "neutre",
                      "Merci, je n'avais pas vu. Je retire ma proposition, elle fait "
                      "doublon."),
                 ]),
            ],
        },
        {
            "author": "karim",
            "title": "Une connexion sans compte ni collecte de données",
            "body": _md("""
                Le Wi-Fi municipal doit être **accessible en un clic** : pas de création de
                compte, pas de numéro de téléphone, pas d'adresse électronique demandée.

                Seules les données exigées par la loi doivent être conservées, pour la durée
                légale, et jamais revendues ni utilisées pour de la publicité. La politique
                de confidentialité doit tenir en quelques lignes claires.
            """),
            "territory": None,
            "popularity": 0.9,
            "comments": [
                ("fatou", "pour",
                 "Indispensable. Beaucoup de personnes n'ont pas d'adresse électronique ou "
                 "ne s'en souviennent plus.",
                 [
                     ("karim", "pour",
                      "Exactement, et c'est aussi une question de confiance : on se méfie "
                      "des services gratuits qui demandent tout."),
                 ]),
                ("loic", "neutre",
                 "Est-ce compatible avec les obligations légales des opérateurs ? Il me "
                 "semble qu'une identification est parfois exigée.",
                 [
                     ("yann", "neutre",
                      "La loi impose de conserver certaines données techniques de connexion, "
                      "pas d'identifier nominativement les usagers. C'est faisable.",
                      [
                          ("loic", "pour",
                           "Merci pour la précision, dans ce cas je soutiens."),
                      ]),
                 ]),
                ("soizic", "pour",
                 "Le Conseil de développement parle justement des risques d'atteinte aux "
                 "libertés par une utilisation non contrôlée des données. La métropole doit "
                 "être exemplaire."),
            ],
        },
        {
            "author": "nolwenn",
            "title": "Couvrir la place de la Liberté et la rue de Siam",
            "body": (
                "C'est le cœur de Brest : on y attend le tram, on s'y donne rendez-vous, on y "
                "passe pour les marchés et les festivals. Une couverture continue de la place "
                "de la Liberté jusqu'au pont de Recouvrance serait la vitrine du projet."
            ),
            "territory": "Brest",
            "popularity": 0.75,
            "comments": [
                ("rade", "pour",
                 "Et jusqu'au cours Dajot tant qu'à faire, c'est là que l'on s'assoit."),
                ("erwan", "contre",
                 "Le centre de Brest est déjà très bien couvert par les réseaux mobiles. Je "
                 "préférerais qu'on commence par les quartiers et les bourgs.",
                 [
                     ("nolwenn", "neutre",
                      "Les deux ne s'opposent pas, mais je comprends. Peut-être commencer par "
                      "les lieux les plus fréquentés de chaque commune ?"),
                 ]),
            ],
        },
        {
            "author": "rade",
            "title": "Le port de commerce et le cours Dajot",
            "body": (
                "Le port de commerce attire du monde en soirée et le cours Dajot est un lieu "
                "de promenade toute l'année. Un accès Wi-Fi y serait utile aux plaisanciers, "
                "aux croisiéristes et aux étudiants qui y travaillent aux beaux jours."
            ),
            "territory": "Brest",
            "popularity": 0.45,
            "comments": [
                ("tristan", "pour",
                 "Les croisiéristes débarquent souvent sans forfait européen adapté, ce "
                 "serait un bon accueil."),
                ("mtherese", "neutre",
                 "Est-ce que le signal porte loin en extérieur, avec le vent et l'humidité "
                 "de la rade ?"),
            ],
        },
        {
            "author": "fatou",
            "title": "Du Wi-Fi aux arrêts de tram et aux pôles d'échange",
            "body": (
                "On attend souvent plusieurs minutes aux arrêts, notamment à Liberté, "
                "Château et Porte de Guipavas. Pouvoir consulter les horaires ou finir une "
                "démarche pendant l'attente rendrait service, surtout à ceux qui n'ont plus "
                "de données mobiles en fin de mois."
            ),
            "territory": "Brest",
            "popularity": 0.6,
            "comments": [
                ("gwen", "pour",
                 "Oui, et aux parkings relais aussi, pour ceux qui arrivent des communes en "
                 "voiture."),
                ("yann", "pour",
                 "Bonne idée. L'arrêt Technopôle à Plouzané mériterait aussi d'être "
                 "couvert."),
            ],
        },
        {
            "author": "yann",
            "title": "Le centre-bourg de Plouzané et le Technopôle",
            "body": (
                "Le projet ne doit pas se limiter à Brest centre. À Plouzané, le bourg et le "
                "Technopôle accueillent des milliers d'étudiants et de salariés qui "
                "gagneraient à avoir un accès gratuit près des commerces et des arrêts de "
                "bus."
            ),
            "territory": "Plouzané",
            "popularity": 0.4,
            "comments": [
                ("annelaure", "pour",
                 "Le Conseil de développement insiste sur le risque d'un développement à deux "
                 "vitesses. Les bourgs doivent être servis en même temps que Brest."),
            ],
        },
        {
            "author": "gwen",
            "title": "Des bancs avec prises de recharge près des points d'accès",
            "body": _md("""
                Se connecter ne sert pas à grand-chose si la batterie est vide. Je propose
                d'installer près de chaque point d'accès :

                - quelques bancs à l'abri de la pluie ;
                - des prises USB alimentées par un petit panneau solaire.
            """),
            "territory": "Guipavas",
            "popularity": 0.3,
            "comments": [
                ("erwan", "contre",
                 "Cela multiplie le mobilier urbain et l'entretien. Restons simples : le "
                 "Wi-Fi d'abord."),
                ("mtherese", "pour",
                 "Pour les personnes âgées, un banc est déjà une bonne nouvelle, avec ou sans "
                 "prise !",
                 [
                     ("gwen", "pour",
                      "C'est aussi mon idée : un lieu agréable où l'on a envie de s'arrêter."),
                 ]),
            ],
        },
        {
            "author": "erwan",
            "title": "Éteindre les bornes la nuit pour économiser l'énergie",
            "body": (
                "Entre 1 h et 6 h du matin, presque personne n'utilise le Wi-Fi public. "
                "Couper automatiquement les bornes pendant ces heures réduirait la "
                "consommation électrique et les ondes, dans l'esprit du **numérique "
                "responsable** que défend le Conseil de développement."
            ),
            "territory": "Plougastel-Daoulas",
            "popularity": 0.55,
            "comments": [
                ("karim", "pour",
                 "Simple et de bon sens. Il faudrait publier la consommation réelle des "
                 "bornes pour voir le gain."),
                ("rade", "contre",
                 "Les soirs d'été sur le port, il y a du monde bien après minuit. Il faudrait "
                 "au moins adapter les horaires selon les lieux et les saisons.",
                 [
                     ("erwan", "neutre",
                      "D'accord pour des horaires différents selon les lieux, l'essentiel est "
                      "de ne pas tout laisser allumé par défaut."),
                 ]),
            ],
        },
        {
            "author": "mtherese",
            "title": "Commencer par les médiathèques et les centres sociaux",
            "body": (
                "Ce sont les lieux où se rendent les personnes qui ont le plus besoin d'une "
                "connexion, et où quelqu'un peut les aider. Avant les places et les rues, "
                "équipons bien les médiathèques, les maisons de quartier et les centres "
                "sociaux des huit communes."
            ),
            "territory": "Bohars",
            "popularity": 0.65,
            "comments": [
                ("fatou", "pour",
                 "Oui, le Wi-Fi et l'accompagnement au même endroit, c'est ce qui marche le "
                 "mieux."),
                ("nolwenn", "neutre",
                 "Beaucoup de médiathèques ont déjà un Wi-Fi. Le vrai problème est plutôt "
                 "qu'il est difficile d'accès et coupé hors des horaires d'ouverture.",
                 [
                     ("mtherese", "neutre",
                      "C'est vrai à Bohars : il faudrait qu'il reste accessible depuis le "
                      "parvis quand c'est fermé."),
                 ]),
            ],
        },
        {
            "author": "annelaure",
            "title": "Une carte des points d'accès, en ligne et affichée en mairie",
            "body": (
                "Il faut que chacun sache où se connecter. Une carte simple, publiée sur le "
                "site de la métropole et en données ouvertes, et affichée sur papier dans les "
                "mairies et les abris de bus, éviterait que le service reste confidentiel."
            ),
            "territory": "Gouesnou",
            "popularity": 0.35,
            "comments": [
                ("tristan", "pour",
                 "Et en données ouvertes pour que les applications de cartographie "
                 "l'intègrent directement."),
            ],
        },
        {
            "author": "citoyenne",
            "title": "Aucune publicité sur la page de connexion",
            "body": (
                "Beaucoup de Wi-Fi « gratuits » affichent une page de publicité ou imposent "
                "une vidéo avant de se connecter. Le Wi-Fi de la métropole doit afficher une "
                "page sobre, avec seulement les conditions d'utilisation et un lien vers "
                "les services publics en ligne."
            ),
            "territory": "Brest",
            "popularity": 0.7,
            "comments": [
                ("karim", "pour",
                 "Entièrement d'accord, et cela va avec une connexion sans collecte de "
                 "données."),
                ("gwen", "neutre",
                 "Un message d'information des communes (travaux, événements) serait-il "
                 "considéré comme de la publicité ?",
                 [
                     ("citoyenne", "neutre",
                      "Pour moi non, tant qu'il n'y a ni annonceur ni pistage. Mais il faut "
                      "que cela reste discret."),
                 ]),
            ],
        },
        {
            "author": "soizic",
            "title": "Le Moulin Blanc et le sentier côtier jusqu'au Relecq-Kerhuon",
            "body": (
                "La plage du Moulin Blanc, Océanopolis et le port de plaisance attirent "
                "familles et plaisanciers. Une couverture du site, jusqu'à l'entrée du "
                "Relecq-Kerhuon, servirait aussi aux clubs nautiques pour les inscriptions et "
                "la météo."
            ),
            "territory": "Le Relecq-Kerhuon",
            "popularity": 0.25,
            "comments": [
                ("erwan", "neutre",
                 "Sur une plage, je ne suis pas sûr que ce soit utile : on y va plutôt pour "
                 "déconnecter !"),
                ("jeanne", "pour",
                 "Pour les clubs et la sécurité (météo, marées), c'est utile. Pas besoin de "
                 "couvrir toute la plage."),
            ],
        },
        {
            "author": "loic",
            "title": "Mesurer les ondes et publier les résultats",
            "body": (
                "Une partie des habitants s'inquiète de l'exposition aux ondes. Je propose "
                "des mesures indépendantes avant et après l'installation des bornes, "
                "publiées sur le site de la métropole, en particulier près des écoles."
            ),
            "territory": "Guilers",
            "popularity": 0.3,
            "comments": [
                ("yann", "neutre",
                 "L'Agence nationale des fréquences publie déjà des mesures. Il suffirait de "
                 "lui demander des mesures sur les nouveaux sites."),
                ("nolwenn", "contre",
                 "Les bornes Wi-Fi émettent bien moins qu'un téléphone à l'oreille. Je "
                 "crains que cela alimente des peurs sans fondement.",
                 [
                     ("loic", "neutre",
                      "Justement, publier les mesures est la meilleure façon de rassurer. "
                      "La transparence ne coûte pas cher.",
                      [
                          ("nolwenn", "neutre",
                           "Vu comme ça, d'accord : si c'est pour informer, pourquoi pas."),
                      ]),
                 ]),
            ],
        },
        {
            "author": "jeanne",
            "title": "Une page de connexion accessible à toutes et tous",
            "body": _md("""
                La page de connexion doit respecter le **RGAA** : lisible avec un lecteur
                d'écran, de bons contrastes, un texte en français simple, et un bouton
                unique pour accepter les conditions.

                Les personnes malvoyantes ou qui lisent difficilement ne doivent pas être
                exclues d'un service pensé pour l'inclusion.
            """),
            "territory": None,
            "popularity": 0.5,
            "comments": [
                ("fatou", "pour",
                 "Et proposer la page en plusieurs langues, au moins l'anglais et le "
                 "breton."),
            ],
        },
        {
            "author": "pyves",
            "title": "Partager le réseau avec les commerçants des centres-villes",
            "body": (
                "De nombreux commerçants ont leur propre Wi-Fi. La métropole pourrait leur "
                "proposer de rejoindre le réseau public, sous la même bannière et les mêmes "
                "règles, pour étendre la couverture sans installer de nouveaux équipements."
            ),
            "territory": "Brest",
            "popularity": 0.2,
            "comments": [
                ("karim", "contre",
                 "Les règles de protection des données seraient difficiles à garantir chez "
                 "chaque commerçant. Je préfère un réseau entièrement public."),
                ("gwen", "pour",
                 "Cela ferait venir des clients dans les commerces du centre, qui en ont "
                 "besoin."),
            ],
        },
    ],
}

# --- Médiateurs numériques (consultation open, 5 supports per person) -----------------------

MEDIATEURS: dict[str, Any] = {
    "title": "Des médiateurs numériques dans les mairies",
    "summary": (
        "Pour que la dématérialisation ne laisse personne de côté, la métropole veut des "
        "médiateurs et médiatrices numériques dans les mairies des huit communes. Dites-nous "
        "où, quand et pour quelles démarches ils vous seraient utiles."
    ),
    "plain_summary": _md("""
        - Faire ses démarches sur Internet est parfois **difficile**.
        - La métropole veut des **personnes pour vous aider**, dans les mairies.
        - Dites-nous où et quand elles doivent être là.
        - Vous avez **5 soutiens** : donnez-les aux idées qui comptent le plus pour vous.
    """),
    "body": _md("""
        ## Le constat

        Le Conseil de développement exprime sa crainte que la dématérialisation des services
        publics devienne déshumanisante lorsqu'elle est imposée sans accompagnement ni
        alternative. Nombre d'habitants renoncent à des droits quand l'accès n'est possible
        qu'en ligne, sur des sites à l'ergonomie peu adaptée.

        ## Le projet

        Brest métropole propose de créer un réseau de médiateurs et médiatrices numériques
        présents dans les mairies des huit communes, en lien avec les Points d'accès public à
        Internet (PAPI) déjà ouverts dans les quartiers. Ils aideront chacun à faire ses
        démarches, à prendre en main un ordinateur ou un téléphone, et à devenir autonome à
        son rythme.

        Les médiateurs pourront aussi, avec l'accord de la personne, déposer une contribution
        sur cette plateforme pour celles et ceux qui n'ont pas d'adresse électronique.

        ## Vos soutiens comptent

        Pour ce projet, chaque participant·e dispose de **5 soutiens** : choisissez les
        propositions qui vous semblent prioritaires. Vous pouvez retirer un soutien pour le
        donner à une autre proposition tant que la consultation est ouverte.

        ## Les questions posées

        1. Où et quand les médiateurs devraient-ils être présents ?
        2. Quelles démarches posent le plus de difficultés ?
        3. Comment toucher les personnes qui ne viennent jamais en mairie ?
    """),
    "orientation": "services-au-public",
    "territories": COMMUNES,
    "support_limit": 5,
    "phases": {
        "information": (-40, -21),
        "consultation": (-20, 25),
        "synthesis": (26, 55),
        "follow_up": (56, 380),
    },
    "comments": [
        ("helene", "pour",
         "Sur la presqu'île de Crozon, nous aurions besoin exactement de la même chose. "
         "Ce serait bien que le projet soit partagé avec tout le Pays de Brest.",
         [
             ("pyves", "pour",
              "Même remarque pour le Pays des Abers. Une mutualisation entre "
              "intercommunalités serait logique."),
         ]),
        ("tristan", "neutre",
         "Combien de médiateurs sont prévus, et avec quel budget ? Le Conseil de "
         "développement regrettait justement l'absence de chiffrage des moyens humains."),
    ],
    "proposals": [
        {
            "author": "loic",
            "title": "Toujours garder un guichet et un téléphone, sans Internet",
            "body": (
                "La médiation ne doit pas servir à faire passer tout le monde au numérique "
                "de force. Chaque démarche de la métropole et des communes doit rester "
                "possible à un guichet ou par téléphone, avec une vraie personne au bout du "
                "fil."
            ),
            "territory": "Guilers",
            "popularity": 0.95,
            "comments": [
                ("mtherese", "pour",
                 "C'est pour moi la proposition la plus importante. Ma voisine de 88 ans "
                 "n'utilisera jamais un ordinateur, et elle a des droits comme tout le "
                 "monde.",
                 [
                     ("loic", "pour",
                      "Exactement. Le numérique doit faciliter la vie, pas la compliquer.",
                      [
                          ("fatou", "pour",
                           "Et ce n'est pas qu'une question d'âge : certaines personnes "
                           "jeunes sont aussi perdues devant les formulaires en ligne."),
                      ]),
                 ]),
                ("tristan", "neutre",
                 "Le guichet coûte plus cher que le service en ligne. Il faudrait au moins "
                 "en mesurer le coût pour que le choix soit éclairé."),
                ("soizic", "pour",
                 "C'est la condition pour que la dématérialisation ne soit pas "
                 "déshumanisante, comme le dit l'avis du Conseil de développement."),
            ],
        },
        {
            "author": "mtherese",
            "title": "Une permanence chaque semaine dans chaque mairie",
            "body": (
                "Dans les petites communes comme Bohars ou Guilers, une demi-journée fixe "
                "par semaine, toujours le même jour, suffirait. Les habitants s'habitueraient "
                "à venir, et la mairie pourrait prendre les rendez-vous."
            ),
            "territory": "Bohars",
            "popularity": 0.7,
            "comments": [
                ("annelaure", "pour",
                 "Oui, un jour fixe, c'est simple à retenir. Le samedi matin serait idéal "
                 "pour les actifs."),
                ("gwen", "neutre",
                 "À Guipavas, une demi-journée ne suffira pas, il faut adapter selon la "
                 "population de chaque commune."),
            ],
        },
        {
            "author": "annelaure",
            "title": "Des rendez-vous à domicile pour les personnes qui ne peuvent pas se déplacer",
            "body": (
                "Les personnes âgées, malades ou en situation de handicap sont souvent "
                "celles qui ont le plus de démarches à faire et le moins de moyens de se "
                "déplacer. Un médiateur pourrait venir chez elles sur rendez-vous, en lien "
                "avec le CCAS."
            ),
            "territory": "Gouesnou",
            "popularity": 0.6,
            "comments": [
                ("soizic", "pour",
                 "Le CCAS connaît déjà ces personnes, c'est la bonne porte d'entrée."),
                ("karim", "neutre",
                 "Attention à la confidentialité : le médiateur verra des documents "
                 "personnels. Il faut un cadre clair et une charte.",
                 [
                     ("annelaure", "pour",
                      "Bien sûr, la même charte que pour les aidants numériques (mandat, "
                      "pas de conservation des mots de passe)."),
                 ]),
            ],
        },
        {
            "author": "fatou",
            "title": "Une borne en libre accès avec scanner et imprimante",
            "body": (
                "Beaucoup de démarches demandent de **numériser un justificatif**. Dans "
                "chaque mairie, un poste en libre accès avec un scanner et une imprimante "
                "permettrait de le faire sans avoir l'équipement chez soi, avec l'aide du "
                "médiateur si besoin."
            ),
            "territory": "Brest",
            "popularity": 0.55,
            "comments": [
                ("loic", "pour",
                 "C'est très concret. Aujourd'hui on doit aller dans une boutique pour "
                 "scanner un avis d'imposition."),
                ("erwan", "neutre",
                 "Un téléphone suffit souvent pour photographier un document. Montrer "
                 "comment faire serait peut-être plus utile qu'une machine."),
            ],
        },
        {
            "author": "soizic",
            "title": "Former les agents d'accueil aux démarches en ligne courantes",
            "body": (
                "Les agents d'accueil des mairies sont les premiers interlocuteurs. S'ils "
                "connaissent les démarches les plus fréquentes (CAF, impôts, carte grise, "
                "France Travail), ils peuvent orienter ou aider tout de suite, même en "
                "l'absence du médiateur."
            ),
            "territory": "Le Relecq-Kerhuon",
            "popularity": 0.45,
            "comments": [
                ("mtherese", "pour",
                 "Le Conseil de développement demande justement de former tous les "
                 "personnels chargés d'informer et d'accompagner l'accès aux droits."),
            ],
        },
        {
            "author": "karim",
            "title": "Des ateliers le soir et le samedi pour celles et ceux qui travaillent",
            "body": (
                "Les horaires des mairies ne conviennent pas aux personnes qui travaillent. "
                "Des ateliers collectifs en soirée ou le samedi matin (sécuriser son "
                "téléphone, reconnaître une arnaque, utiliser FranceConnect) toucheraient un "
                "autre public."
            ),
            "territory": "Brest",
            "popularity": 0.4,
            "comments": [
                ("nolwenn", "pour",
                 "L'atelier « reconnaître une arnaque » serait utile à tout le monde, "
                 "jeunes compris."),
                ("gwen", "pour",
                 "Les salles des associations de quartier pourraient accueillir ces "
                 "ateliers."),
            ],
        },
        {
            "author": "pyves",
            "title": "Un médiateur itinérant dans les bourgs et les quartiers",
            "body": (
                "Un véhicule aménagé, avec une connexion et deux postes, pourrait passer "
                "chaque semaine dans les bourgs et les quartiers éloignés des mairies, les "
                "jours de marché par exemple. On irait vers les gens au lieu de les attendre."
            ),
            "territory": "Communauté de communes du Pays des Abers",
            "popularity": 0.5,
            "comments": [
                ("jeanne", "pour",
                 "Dans le Pays d'Iroise, les distances sont grandes et les bus rares. Un "
                 "service qui se déplace serait précieux."),
                ("loic", "contre",
                 "Un camion coûte cher à entretenir. Je préfère renforcer les permanences "
                 "dans les mairies et les PAPI existants.",
                 [
                     ("pyves", "neutre",
                      "Les deux sont complémentaires. On pourrait mutualiser un véhicule "
                      "entre plusieurs communes pour en réduire le coût."),
                 ]),
            ],
        },
        {
            "author": "nolwenn",
            "title": "Des explications en français facile à lire et en plusieurs langues",
            "body": _md("""
                Les guides remis par les médiateurs devraient exister :

                - en **FALC** (facile à lire et à comprendre) ;
                - en anglais, en arabe et dans les langues les plus parlées par les
                  personnes accueillies.
            """),
            "territory": "Brest",
            "popularity": 0.35,
            "comments": [
                ("fatou", "pour",
                 "Très important pour les personnes qui arrivent en France et doivent "
                 "faire beaucoup de démarches en ligne dès le début."),
                ("erwan", "neutre",
                 "Et en breton ? Ce serait un beau signe, même si ce n'est pas la priorité.",
                 [
                     ("nolwenn", "neutre",
                      "Pourquoi pas pour l'accueil, mais pour les démarches il faut d'abord "
                      "les langues qui bloquent vraiment l'accès aux droits."),
                 ]),
            ],
        },
        {
            "author": "gwen",
            "title": "Un « pass numérique » pour payer des formations",
            "body": (
                "Des chèques de formation, distribués par les CCAS et les associations, "
                "permettraient de suivre plusieurs séances dans un lieu labellisé. C'est "
                "un dispositif qui existe déjà ailleurs en France."
            ),
            "territory": "Guipavas",
            "popularity": 0.25,
            "comments": [
                ("karim", "neutre",
                 "Les premiers bilans de ces pass sont mitigés : beaucoup ne sont jamais "
                 "utilisés. Il faut un accompagnement pour que cela marche."),
            ],
        },
        {
            "author": "erwan",
            "title": "S'appuyer sur les PAPI et les associations déjà présents",
            "body": (
                "Brest a un réseau de Points d'accès public à Internet reconnu dans toute la "
                "France. Plutôt que de tout créer, la métropole devrait renforcer ces lieux "
                "et les associations qui font de la médiation depuis des années."
            ),
            "territory": "Plougastel-Daoulas",
            "popularity": 0.65,
            "comments": [
                ("helene", "pour",
                 "Les PAPI sont cités en exemple jusque chez nous. Il faut conserver cette "
                 "exemplarité, comme le dit l'avis du Conseil."),
                ("soizic", "pour",
                 "Et reconnaître le travail des bénévoles, qui s'épuisent parfois."),
            ],
        },
        {
            "author": "citoyenne",
            "title": "Donner des ordinateurs reconditionnés aux foyers qui n'en ont pas",
            "body": (
                "Être accompagné ne suffit pas si l'on n'a pas d'ordinateur chez soi. La "
                "métropole renouvelle régulièrement son parc : les machines pourraient être "
                "reconditionnées par une structure d'insertion et données aux foyers "
                "orientés par les médiateurs."
            ),
            "territory": "Brest",
            "popularity": 0.75,
            "comments": [
                ("erwan", "pour",
                 "Bon pour l'inclusion et pour l'environnement : un ordinateur réutilisé, "
                 "c'est un de moins à fabriquer."),
                ("yann", "neutre",
                 "Il faudra effacer les disques de manière sûre et installer des logiciels "
                 "libres, sinon les licences coûteront cher.",
                 [
                     ("citoyenne", "pour",
                      "Oui, avec des logiciels libres, et une petite formation à la remise de "
                      "l'ordinateur."),
                 ]),
            ],
        },
    ],
}

# --- Rencontres des numériques (consultation open, 3 supports per person) --------------------

RENCONTRES: dict[str, Any] = {
    "title": "Rencontres des numériques : construire l'édition de cette année",
    "summary": (
        "Chaque année, les Rencontres des numériques présentent les synthèses des "
        "consultations et ouvrent le débat sur le numérique et la société. Proposez des "
        "thèmes, des formats et des lieux pour la prochaine édition."
    ),
    "plain_summary": _md("""
        - Les **Rencontres des numériques** ont lieu une fois par an.
        - On y présente ce que les habitants ont proposé, et ce que la métropole a décidé.
        - Vous pouvez proposer des **sujets**, des **ateliers** ou des **lieux**.
        - Vous avez **3 soutiens** pour choisir vos idées préférées.
    """),
    "body": _md("""
        ## Un rendez-vous annuel

        Le Conseil de développement a proposé l'organisation d'un rendez-vous annuel,
        « Les rencontres des numériques », pour créer un lieu de débats et d'annonces sur le
        lien entre numérique et société. La métropole en a fait le temps fort de sa démarche
        de participation.

        ## Ce qu'on y trouve

        - La présentation des **synthèses** de toutes les consultations de l'année.
        - Les **réponses officielles** de la métropole et l'état d'avancement des projets.
        - Des tables rondes avec les élu·es, les associations, les entreprises et les
          chercheurs du territoire.
        - Des ateliers ouverts à toutes et tous.

        ## Votre avis

        Proposez des thèmes de débat, des formats d'ateliers ou des lieux. Chaque personne
        dispose de **3 soutiens** pour faire ressortir les idées prioritaires. Le programme
        définitif sera publié à l'issue de la synthèse.
    """),
    "orientation": "fier-de-ses-acteurs",
    "territories": [
        "Brest",
        "Communauté de communes du Pays des Abers",
        "Communauté de communes du Pays d'Iroise",
        "Communauté d'agglomération du Pays de Landerneau-Daoulas",
    ],
    "support_limit": 3,
    "phases": {
        "information": (-25, -11),
        "consultation": (-10, 50),
        "synthesis": (51, 80),
        "follow_up": (81, 400),
    },
    "comments": [
        ("jeanne", "pour",
         "Enfin un lieu où l'on saura ce que sont devenues nos propositions. C'est souvent "
         "ce qui manque dans les concertations.",
         [
             ("citoyenne", "pour",
              "C'est exactement le sens de ma proposition sur le bilan annuel."),
         ]),
        ("tristan", "contre",
         "Encore un événement de plus... J'ai peur que seuls les habitués viennent. Il "
         "faudrait aller chercher ceux qui ne participent jamais."),
    ],
    "proposals": [
        {
            "author": "citoyenne",
            "title": "Présenter chaque année ce que sont devenues les propositions",
            "body": (
                "Un tableau simple, projet par projet : propositions retenues, refusées, à "
                "l'étude, avec les raisons. C'est ce qui donne confiance dans la "
                "participation et donne envie de revenir l'année suivante."
            ),
            "territory": None,
            "popularity": 0.9,
            "comments": [
                ("loic", "pour",
                 "Indispensable. Sinon on a l'impression de parler dans le vide."),
                ("karim", "pour",
                 "Et le publier en données ouvertes, pour que chacun puisse suivre."),
            ],
        },
        {
            "author": "pyves",
            "title": "Organiser les Rencontres hors de Brest une année sur deux",
            "body": (
                "Pour éviter un développement à deux vitesses, les Rencontres pourraient se "
                "tenir une année sur deux dans une autre intercommunalité du Pays de Brest : "
                "Landerneau, Lannilis, Saint-Renan, Crozon…"
            ),
            "territory": "Communauté de communes du Pays des Abers",
            "popularity": 0.55,
            "comments": [
                ("helene", "pour",
                 "Crozon serait ravie d'accueillir une édition !"),
                ("nolwenn", "neutre",
                 "Il faudrait alors prévoir des navettes depuis Brest, sinon ce sont les "
                 "Brestois qui ne viendront plus.",
                 [
                     ("pyves", "pour",
                      "Bonne idée, une navette gratuite depuis Brest et les autres "
                      "communes."),
                 ]),
            ],
        },
        {
            "author": "karim",
            "title": "Un débat sur l'intelligence artificielle dans les services publics",
            "body": (
                "Les administrations commencent à utiliser l'IA pour répondre aux usagers ou "
                "trier des dossiers. Les habitants doivent pouvoir en débattre : que "
                "veut-on automatiser, et où veut-on absolument garder un humain ?"
            ),
            "territory": "Brest",
            "popularity": 0.6,
            "comments": [
                ("soizic", "pour",
                 "L'humain au centre des décisions : c'est le cœur de l'avis du Conseil de "
                 "développement."),
                ("yann", "neutre",
                 "Il faudrait inviter des chercheurs des écoles d'ingénieurs de Brest pour "
                 "expliquer concrètement ce que font ces outils."),
            ],
        },
        {
            "author": "erwan",
            "title": "Des ateliers de réparation de téléphones et d'ordinateurs",
            "body": (
                "Un espace « repair café » pendant les Rencontres, avec les associations "
                "du territoire, montrerait qu'un numérique sobre et durable est possible. "
                "On repart avec son appareil réparé et des conseils pour le faire durer."
            ),
            "territory": "Plougastel-Daoulas",
            "popularity": 0.5,
            "comments": [
                ("gwen", "pour",
                 "Très concret, et cela attire un public qui ne viendrait pas pour les "
                 "tables rondes."),
            ],
        },
        {
            "author": "nolwenn",
            "title": "Une garderie et une diffusion en direct sous-titrée",
            "body": (
                "Pour que les parents puissent venir, une garderie gratuite est nécessaire. "
                "Et pour ceux qui ne peuvent pas se déplacer, une diffusion en direct, "
                "sous-titrée, puis une vidéo en ligne."
            ),
            "territory": "Brest",
            "popularity": 0.4,
            "comments": [
                ("jeanne", "pour",
                 "Le sous-titrage sert aussi aux personnes sourdes et malentendantes, c'est "
                 "une question d'accessibilité."),
                ("erwan", "neutre",
                 "Une diffusion en direct consomme beaucoup. Une vidéo légère publiée après "
                 "coup suffirait peut-être."),
            ],
        },
        {
            "author": "tristan",
            "title": "Un espace pour les entreprises et les labos de French Tech Brest+",
            "body": (
                "Le territoire a de nombreuses jeunes pousses et des laboratoires reconnus, "
                "mais les habitants les connaissent mal. Un espace de démonstration leur "
                "permettrait de présenter leurs projets au grand public."
            ),
            "territory": "Communauté d'agglomération du Pays de Landerneau-Daoulas",
            "popularity": 0.3,
            "comments": [
                ("loic", "contre",
                 "Attention à ce que l'événement ne devienne pas un salon commercial. Le "
                 "cœur doit rester le débat citoyen."),
                ("annelaure", "neutre",
                 "Pourquoi pas, à condition d'y associer aussi l'économie sociale et "
                 "solidaire, très présente chez nous."),
            ],
        },
    ],
}

# --- Tiers-lieux (consultation closed: synthesis under way) ---------------------------------

TIERS_LIEUX: dict[str, Any] = {
    "title": "Un tiers-lieu numérique dans chaque commune",
    "summary": (
        "Un réseau de tiers-lieux pour créer, apprendre, réparer et travailler près de chez "
        "soi, avec du matériel partagé et des animateurs. La consultation est close : la "
        "synthèse des contributions est en cours de rédaction."
    ),
    "plain_summary": _md("""
        - Un **tiers-lieu** est un lieu ouvert à tous.
        - On peut y **apprendre**, **fabriquer**, **réparer** ou **travailler**.
        - La métropole veut en ouvrir un dans chaque commune.
        - Vous avez donné vos idées. Elles sont en cours d'analyse.
    """),
    "body": _md("""
        ## L'idée

        Le Conseil de développement soutient l'organisation d'un maillage du territoire
        métropolitain en lieux de créativité et de co-conception. Ces lieux, mis à
        disposition du public, favorisent l'incubation de projets, notamment en économie
        collaborative.

        ## À quoi servira un tiers-lieu

        - **Un lieu ressource** : du matériel numérique en accès libre (imprimante 3D,
          découpeuse, postes informatiques) pour prototyper ou découvrir de nouveaux usages.
        - **Un lieu d'apprentissage** : ateliers, initiation, entraide entre habitants.
        - **Un lieu de travail** : des postes pour les télétravailleurs, près de chez eux.
        - **Un lieu de projets** : accompagnement des associations et des jeunes entreprises.

        ## Où en est-on ?

        La consultation a réuni de nombreuses propositions sur les lieux, les horaires, le
        matériel et la gouvernance. L'équipe de modération rédige la synthèse, qui sera
        publiée puis présentée aux Rencontres des numériques.
    """),
    "orientation": "territoire-plateforme",
    "territories": COMMUNES,
    "support_limit": None,
    "phases": {
        "information": (-150, -121),
        "consultation": (-120, -31),
        "synthesis": (-30, 20),
        "follow_up": (21, 380),
    },
    "comments": [
        ("annelaure", "pour",
         "Un lieu pour apprendre et fabriquer dans chaque commune, c'est ce qui manque aux "
         "jeunes de Gouesnou."),
        ("loic", "contre",
         "Un tiers-lieu dans chaque commune, c'est beaucoup. Un par secteur, bien animé, "
         "vaudrait mieux que huit lieux vides.",
         [
             ("gwen", "neutre",
              "Tout dépend de l'animation. Un lieu sans animateur reste vide, c'est vrai, "
              "quelle que soit sa taille."),
         ]),
    ],
    "proposals": [
        {
            "author": "erwan",
            "title": "Un repair café chaque mois dans chaque tiers-lieu",
            "body": (
                "Réparer plutôt que jeter : un rendez-vous mensuel avec des bénévoles pour "
                "réparer téléphones, ordinateurs et petit électroménager. C'est convivial et "
                "cela réduit les déchets électroniques."
            ),
            "territory": "Plougastel-Daoulas",
            "popularity": 0.85,
            "answer": (
                "accepted",
                _md("""
                    **Proposition retenue.** Chaque tiers-lieu accueillera un repair café au
                    moins une fois par mois, animé avec les associations de réparation du
                    territoire. La métropole financera l'outillage de base.
                """),
                12,
            ),
            "comments": [
                ("soizic", "pour",
                 "Il en existe déjà un au Relecq-Kerhuon, il pourrait servir de modèle."),
                ("mtherese", "pour",
                 "Et c'est un bon moyen de faire venir des personnes qui n'osent pas entrer "
                 "dans un lieu « numérique »."),
            ],
        },
        {
            "author": "yann",
            "title": "Des postes de coworking pour les télétravailleurs à Plouzané",
            "body": (
                "Beaucoup de salariés du Technopôle et d'ailleurs télétravaillent depuis "
                "chez eux, parfois dans de mauvaises conditions. Quelques bureaux "
                "réservables à la journée dans le tiers-lieu éviteraient des trajets et "
                "feraient vivre le bourg."
            ),
            "territory": "Plouzané",
            "popularity": 0.5,
            "answer": (
                "under_study",
                _md("""
                    **À l'étude.** La demande est réelle, mais plusieurs espaces de coworking
                    privés existent déjà. Une étude de besoins est en cours avec la commune
                    de Plouzané pour éviter une concurrence inutile.
                """),
                18,
            ),
            "comments": [
                ("karim", "pour",
                 "À un tarif modeste, sinon seuls les cadres en profiteront."),
                ("tristan", "neutre",
                 "Il existe déjà des espaces privés au Technopôle. Le tiers-lieu ne doit pas "
                 "leur faire concurrence."),
            ],
        },
        {
            "author": "mtherese",
            "title": "Installer le tiers-lieu de Bohars dans l'ancienne poste",
            "body": (
                "Le local de l'ancienne poste est vide depuis plusieurs années, en plein "
                "centre-bourg. Il serait idéal : accessible de plain-pied, près de l'école "
                "et de la mairie."
            ),
            "territory": "Bohars",
            "popularity": 0.4,
            "comments": [
                ("annelaure", "pour",
                 "Réutiliser un bâtiment existant plutôt que construire, c'est plus sobre et "
                 "moins cher."),
            ],
        },
        {
            "author": "karim",
            "title": "Ouvrir le soir et le week-end",
            "body": (
                "Les tiers-lieux doivent être ouverts quand les gens sont disponibles : en "
                "soirée et le samedi. Des horaires de bureau excluraient les actifs et les "
                "lycéens."
            ),
            "territory": "Brest",
            "popularity": 0.6,
            "comments": [
                ("gwen", "pour",
                 "Oui, et pendant les vacances scolaires pour les jeunes."),
                ("loic", "neutre",
                 "Qui assurera l'ouverture ? Il faudra des animateurs ou des bénévoles "
                 "formés, ce qui a un coût.",
                 [
                     ("karim", "neutre",
                      "Un système de clés confiées à des membres formés fonctionne dans "
                      "d'autres fablabs, on peut s'en inspirer."),
                 ]),
            ],
        },
        {
            "author": "gwen",
            "title": "Un fablab à Guipavas, près de la zone de Kergaradec",
            "body": (
                "Les artisans et petites entreprises de la zone de Kergaradec pourraient "
                "partager des machines (découpe laser, impression 3D) avec les habitants et "
                "les écoles. Ce serait un lieu de rencontre entre entreprises et citoyens."
            ),
            "territory": "Guipavas",
            "popularity": 0.35,
            "comments": [
                ("tristan", "pour",
                 "La « fertilisation croisée » entre entreprises et habitants, c'est ce que "
                 "vise la stratégie."),
            ],
        },
        {
            "author": "annelaure",
            "title": "Du matériel en prêt pour les écoles",
            "body": (
                "Les écoles n'ont pas les moyens d'acheter une imprimante 3D ou des robots "
                "pédagogiques. Le tiers-lieu pourrait leur prêter ce matériel et accueillir "
                "des classes pour des ateliers."
            ),
            "territory": "Gouesnou",
            "popularity": 0.45,
            "comments": [
                ("nolwenn", "pour",
                 "Les enseignants seraient preneurs, à condition d'être formés aussi."),
            ],
        },
        {
            "author": "soizic",
            "title": "Une gouvernance partagée avec les associations et les usagers",
            "body": (
                "Chaque tiers-lieu devrait être géré par un collectif réunissant la commune, "
                "les associations et des usagers tirés au sort. C'est la meilleure garantie "
                "qu'il réponde aux besoins réels."
            ),
            "territory": "Le Relecq-Kerhuon",
            "popularity": 0.3,
            "comments": [
                ("erwan", "pour",
                 "Comme le « Comité des usagers du numérique » proposé par le Conseil de "
                 "développement."),
                ("tristan", "contre",
                 "Les collectifs sont souvent lents à décider. Il faut aussi un responsable "
                 "clairement identifié."),
            ],
        },
        {
            "author": "jeanne",
            "title": "Un tiers-lieu mobile pour les communes rurales du Pays de Brest",
            "body": (
                "Les communes hors de la métropole n'auront pas toutes un tiers-lieu. Un "
                "camion aménagé pourrait passer une journée par mois dans chacune, avec "
                "quelques machines et un animateur."
            ),
            "territory": "Communauté de communes du Pays d'Iroise",
            "popularity": 0.4,
            "comments": [
                ("pyves", "pour",
                 "Le Pays des Abers serait très intéressé, ce serait une vraie coopération "
                 "à l'échelle de l'ouest breton."),
            ],
        },
    ],
}

# --- Open data (follow-up: answers given) ---------------------------------------------------

OPEN_DATA_PROJECT: dict[str, Any] = {
    "title": "Ouverture des données publiques (open data) de la métropole",
    "summary": (
        "La métropole ouvre ses données publiques pour que chacun puisse les consulter et les "
        "réutiliser, en protégeant strictement les données personnelles. Les propositions "
        "ont reçu leur réponse : suivez leur mise en œuvre."
    ),
    "plain_summary": _md("""
        - La métropole a beaucoup de **données** : transports, budget, environnement.
        - Elle les publie pour que **tout le monde** puisse les utiliser.
        - Les **données personnelles** ne sont jamais publiées.
        - Chaque proposition a reçu une réponse. Vous pouvez suivre ce qui est fait.
    """),
    "body": _md("""
        ## Pourquoi ouvrir les données

        L'ouverture des données fait partie du troisième axe de la stratégie numérique,
        « Vers un territoire plate-forme du futur ». Publier les données publiques dans des
        formats ouverts permet aux habitants, aux associations, aux chercheurs et aux
        entreprises de comprendre l'action publique et d'inventer de nouveaux services.

        ## Les principes

        - Des données **gratuites**, sous licence ouverte, dans des formats lisibles par
          tous les logiciels.
        - **Aucune donnée personnelle** : anonymisation stricte et contrôle avant chaque
          publication.
        - Des jeux de données **documentés** et mis à jour régulièrement.

        ## Le suivi

        La consultation et la synthèse sont terminées. La métropole a répondu à chaque
        proposition : retenue, refusée ou à l'étude. Cette page suit la mise en œuvre, qui
        sera présentée aux Rencontres des numériques.
    """),
    "orientation": "territoire-plateforme",
    "territories": ["Brest", "Guipavas", "Plouzané", "Le Relecq-Kerhuon"],
    "support_limit": None,
    "phases": {
        "information": (-300, -271),
        "consultation": (-270, -181),
        "synthesis": (-180, -121),
        "follow_up": (-120, 245),
    },
    "comments": [
        ("yann", "pour",
         "Très bonne démarche. Les données ouvertes profitent autant aux chercheurs qu'aux "
         "associations."),
        ("mtherese", "neutre",
         "Je ne suis pas sûre de comprendre à quoi cela me servira concrètement. Pouvez-vous "
         "donner des exemples ?",
         [
             ("tristan", "neutre",
              "Par exemple une application qui indique quand passe le prochain bus, ou une "
              "carte de la qualité de l'air dans votre quartier.",
              [
                  ("mtherese", "pour",
                   "Là, je vois mieux. Si c'est pour des services comme ça, très bien."),
              ]),
         ]),
    ],
    "proposals": [
        {
            "author": "tristan",
            "title": "Les horaires et la fréquentation des transports en temps réel",
            "body": (
                "Publier en temps réel la position des bus et des trams, et la fréquentation "
                "anonymisée des lignes, permettrait de développer des applications utiles "
                "et de mieux planifier ses trajets."
            ),
            "territory": "Brest",
            "popularity": 0.8,
            "answer": (
                "accepted",
                _md("""
                    **Proposition retenue.** Les horaires théoriques et en temps réel du
                    réseau sont publiés au format standard GTFS depuis le printemps. La
                    fréquentation agrégée par ligne sera publiée chaque mois.
                """),
                25,
            ),
            "comments": [
                ("gwen", "pour",
                 "Et les parkings relais avec le nombre de places libres."),
                ("loic", "neutre",
                 "Il faudra veiller à ce que la fréquentation ne permette pas de suivre des "
                 "personnes, même indirectement."),
            ],
        },
        {
            "author": "nolwenn",
            "title": "La qualité de l'air et le bruit, quartier par quartier",
            "body": (
                "Les habitants veulent savoir ce qu'ils respirent. Publier les mesures de "
                "qualité de l'air et de bruit par quartier, avec un historique, aiderait "
                "aussi les associations de santé et d'environnement."
            ),
            "territory": "Brest",
            "popularity": 0.7,
            "answer": (
                "accepted",
                _md("""
                    **Proposition retenue.** Les mesures des stations de qualité de l'air
                    sont désormais publiées chaque heure. Les cartes de bruit seront mises à
                    jour et publiées l'an prochain.
                """),
                25,
            ),
            "comments": [
                ("erwan", "pour",
                 "Avec des explications simples, sinon les chiffres ne parleront à "
                 "personne."),
            ],
        },
        {
            "author": "karim",
            "title": "Anonymiser strictement avant toute publication",
            "body": (
                "Avant chaque publication, un contrôle doit vérifier qu'aucune personne ne "
                "peut être identifiée, même en croisant plusieurs jeux de données. Les "
                "résultats de ces contrôles devraient être publics."
            ),
            "territory": None,
            "popularity": 0.75,
            "answer": (
                "accepted",
                _md("""
                    **Proposition retenue.** Chaque jeu de données passe désormais par une
                    analyse de risque de réidentification validée par le délégué à la
                    protection des données. La méthode est publiée sur le portail.
                """),
                30,
            ),
            "comments": [
                ("soizic", "pour",
                 "C'est la condition de la confiance des habitants."),
                ("yann", "pour",
                 "Le croisement de jeux de données est le vrai risque, bien vu de le "
                 "mentionner."),
            ],
        },
        {
            "author": "loic",
            "title": "Les budgets et les marchés publics en format ouvert",
            "body": (
                "Le budget de la métropole et la liste des marchés publics devraient être "
                "publiés dans un tableur ouvert, pas seulement en PDF, pour que chacun "
                "puisse comprendre où va l'argent public."
            ),
            "territory": None,
            "popularity": 0.55,
            "answer": (
                "under_study",
                _md("""
                    **À l'étude.** Le budget principal est déjà publié au format ouvert. La
                    publication des marchés publics demande d'adapter le logiciel de gestion ;
                    une solution est à l'étude avec les services financiers.
                """),
                40,
            ),
            "comments": [
                ("pyves", "pour",
                 "Les intercommunalités du Pays de Brest pourraient faire de même, dans le "
                 "même format."),
            ],
        },
        {
            "author": "yann",
            "title": "Un hackathon annuel avec les écoles et l'université",
            "body": (
                "Un week-end par an, étudiants, développeurs et associations pourraient "
                "créer des services à partir des données ouvertes. Les meilleurs projets "
                "seraient accompagnés par la métropole."
            ),
            "territory": "Plouzané",
            "popularity": 0.45,
            "answer": (
                "under_study",
                _md("""
                    **À l'étude.** L'idée sera discutée avec les écoles d'ingénieurs et
                    l'université. Un premier événement pourrait être associé aux Rencontres
                    des numériques.
                """),
                40,
            ),
            "comments": [
                ("tristan", "pour",
                 "Bonne idée, et ouvrir aussi aux non-développeurs : designers, "
                 "associations, usagers."),
            ],
        },
        {
            "author": "fatou",
            "title": "Les places de stationnement pour personnes handicapées libres en temps réel",
            "body": (
                "Trouver une place réservée libre fait perdre beaucoup de temps. Des capteurs "
                "sur ces places et la publication de leur disponibilité en temps réel "
                "aideraient les personnes concernées."
            ),
            "territory": "Brest",
            "popularity": 0.5,
            "answer": (
                "rejected",
                _md("""
                    **Proposition non retenue.** L'installation et l'entretien de capteurs
                    sur plusieurs centaines de places ont un coût et un impact
                    environnemental élevés. La métropole publiera en revanche
                    l'**emplacement** de toutes les places réservées, déjà disponible dans
                    ses données.
                """),
                45,
            ),
            "comments": [
                ("mtherese", "pour",
                 "Ce serait un vrai progrès pour mon mari, qui renonce parfois à aller en "
                 "centre-ville."),
                ("erwan", "contre",
                 "Des capteurs sur chaque place, c'est beaucoup de matériel électronique à "
                 "entretenir. Publier leur emplacement serait déjà bien."),
            ],
        },
        {
            "author": "citoyenne",
            "title": "Des données expliquées pour les non-spécialistes",
            "body": (
                "Chaque jeu de données devrait être accompagné d'une courte explication en "
                "français simple et d'un exemple de graphique. Sinon, l'open data ne servira "
                "qu'aux informaticiens."
            ),
            "territory": None,
            "popularity": 0.6,
            "answer": (
                "accepted",
                _md("""
                    **Proposition retenue.** Les vingt jeux de données les plus consultés
                    disposent désormais d'une fiche explicative en langage clair. Les
                    médiateurs numériques ont été formés pour les présenter.
                """),
                30,
            ),
            "comments": [
                ("mtherese", "pour",
                 "Merci, c'est exactement ce que je demandais plus haut."),
            ],
        },
        {
            "author": "erwan",
            "title": "Les consommations d'énergie des bâtiments publics",
            "body": (
                "Publier la consommation d'énergie et d'eau de chaque bâtiment public "
                "(écoles, piscines, mairies) permettrait de suivre les économies et de "
                "repérer les bâtiments à rénover en priorité."
            ),
            "territory": None,
            "popularity": 0.35,
            "comments": [
                ("annelaure", "pour",
                 "Les écoles pourraient s'en servir pour des projets pédagogiques sur "
                 "l'énergie."),
            ],
        },
    ],
}

# --- Sobriété numérique (information: consultation not open yet) ----------------------------

SOBRIETE: dict[str, Any] = {
    "title": "Sobriété numérique des services de la métropole",
    "summary": (
        "Réduire l'empreinte environnementale des services numériques de la métropole : "
        "matériel durable, sites plus légers, données hébergées sobrement. La consultation "
        "ouvrira bientôt ; découvrez le projet dès maintenant."
    ),
    "plain_summary": _md("""
        - Le numérique **pollue** : fabriquer les appareils, faire marcher les serveurs.
        - La métropole veut des services numériques **plus sobres**.
        - La consultation **ouvre bientôt**. Vous pourrez alors donner vos idées.
    """),
    "body": _md("""
        ## Un numérique responsable

        Le Conseil de développement considère que la notion de « numérique responsable » —
        social, environnemental, économiquement durable, écoconception logicielle, Green IT —
        mérite d'être développée dans la stratégie numérique. La diminution des émissions de
        CO2 et de la consommation d'eau dues au numérique doit devenir une priorité.

        ## Les pistes

        - **Faire durer le matériel** : réparer, reconditionner, acheter moins et mieux.
        - **Des sites et services légers** : écoconception, pages rapides même sur un vieux
          téléphone.
        - **Des données hébergées sobrement** : supprimer ce qui ne sert plus, héberger
          localement.
        - **L'économie circulaire** : les équipements contiennent des métaux rares qu'il
          faut récupérer.

        ## Calendrier

        La consultation ouvrira dans quelques semaines. D'ici là, vous pouvez lire le projet
        et suivre cette page pour être prévenu·e de son ouverture.
    """),
    "orientation": "excellence-innovation",
    "territories": ["Brest", "Guipavas", "Plougastel-Daoulas"],
    "support_limit": None,
    "phases": {
        "information": (-10, 20),
        "consultation": (21, 80),
        "synthesis": (81, 110),
        "follow_up": (111, 450),
    },
    "comments": [],
    "proposals": [],
}

# In order of creation: the newest project comes last.
PROJECTS: list[dict[str, Any]] = [
    OPEN_DATA_PROJECT, TIERS_LIEUX, WIFI, MEDIATEURS, RENCONTRES, SOBRIETE
]


# Digital mediation on the mediators project: two people without email, registered by the demo
# mediator with their signed consent, who took part through the mediator; and a paper workshop
# entered afterwards (an author None is "anonymous but counted").
MEDIATION: dict[str, Any] = {
    "project": "Des médiateurs numériques dans les mairies",
    "assisted": [
        {"key": "yvonne", "name": "Yvonne Le Bihan", "commune": "Guipavas", "age": "75_plus",
         "reference": "Formulaire n° 2026-014", "consented": -15},
        {"key": "jean_yves", "name": "Jean-Yves Quéré", "commune": "Le Relecq-Kerhuon",
         "age": "45_59", "reference": "Formulaire n° 2026-015", "consented": -12},
    ],
    "proposals": [
        {"author": "yvonne", "day": -14,
         "title": "Aider à remplir les papiers de la retraite en ligne",
         "body": _md("""
            Je n'ai pas d'ordinateur et mes enfants habitent loin. Pour la retraite et les
            impôts, tout se fait sur Internet maintenant. Il faudrait quelqu'un à la mairie de
            Guipavas qui prenne le temps, sans se presser, au moins une fois par mois.
         """)},
        {"author": "jean_yves", "day": -11,
         "title": "Un poste pour chercher du travail avec quelqu'un à côté",
         "body": _md("""
            Pour s'inscrire et répondre aux offres, il faut un compte et une adresse
            électronique. Je n'en ai pas. Un poste en mairie, avec une personne pour aider la
            première fois, ça changerait beaucoup.
         """)},
    ],
    # (author, title of the proposal commented, stance, text)
    "comments": [
        ("yvonne", "Toujours garder un guichet et un téléphone, sans Internet", "pour",
         "Oui. Au téléphone, au moins, on peut poser sa question à quelqu'un."),
        ("jean_yves", "Une permanence chaque semaine dans chaque mairie", "pour",
         "Le samedi matin aussi, pour ceux qui travaillent en semaine."),
    ],
    # (author, title of the proposal supported)
    "supports": [
        ("yvonne", "Toujours garder un guichet et un téléphone, sans Internet"),
        ("yvonne", "Des rendez-vous à domicile pour les personnes qui ne peuvent pas se déplacer"),
        ("jean_yves", "Une permanence chaque semaine dans chaque mairie"),
    ],
    "workshop": {
        "place": "Médiathèque de Bellevue, Brest",
        "held": -5,
        "rows": [
            {"kind": "proposition", "author": None,
             "title": "Des ateliers pour apprendre à se servir d'un téléphone",
             "body": "Des petits groupes, lentement, avec nos propres téléphones."},
            {"kind": "commentaire", "author": None,
             "proposal": "Une borne en libre accès avec scanner et imprimante", "stance": "neutre",
             "body": "Une borne, oui, mais avec quelqu'un à côté pour expliquer."},
            {"kind": "commentaire", "author": "jean_yves",
             "proposal": "Une permanence chaque semaine dans chaque mairie", "stance": "pour",
             "body": "À Bellevue aussi, pas seulement dans les mairies."},
        ],
    },
}

# Moderation on the main consultation project, so that the moderation pages have something
# real to show: a duplicate merged, a spam proposal hidden and its author blocked, a comment
# held after three reports, and one report still open.
MODERATION: dict[str, Any] = {
    "project": "Wi-Fi municipal gratuit dans les centres-villes",
    "duplicate": {
        "author": "pyves",
        "title": "Du Wi-Fi gratuit aux arrêts de bus et de tram",
        "body": "Les arrêts sont les endroits où l'on attend : une connexion gratuite y "
                "rendrait service, surtout pour consulter les horaires.",
        "supporters": ["gwen", "karim", "fatou"],
        "into": "Du Wi-Fi aux arrêts de tram et aux pôles d'échange",
        "reason": "Même demande que la proposition sur les arrêts de tram : les soutiens "
                  "sont regroupés.",
    },
    "spam": {
        "author": "rade",
        "title": "Forfaits mobiles à prix cassés",
        "body": "Profitez de nos forfaits illimités, rendez-vous sur notre boutique en ligne.",
        "reporters": ["yann", "soizic"],
        "hide_reason": "Publicité sans rapport avec le projet.",
        "block_reason": "Publicités répétées malgré un premier avertissement.",
        "block_days": 30,
    },
    "held_comment": {
        "author": "loic",
        "stance": "contre",
        "body": "Ceux qui réclament ce Wi-Fi sont des assistés qui n'ont qu'à payer leur "
                "abonnement comme tout le monde.",
        "reporters": ["nolwenn", "annelaure", "helene"],
        "reason": "offensive",
    },
    "open_report": {
        "reporter": "jeanne",
        "proposal": "Des bancs avec prises de recharge près des points d'accès",
        "reason": "off_topic",
        "details": "Les bancs relèvent du mobilier urbain, pas du Wi-Fi.",
    },
}

# Syntheses: the open data project has two published versions (days from today, negative in the
# past); the third-place project, in its synthesis phase, has a draft being written.
OPEN_DATA = "Ouverture des données publiques (open data) de la métropole"
THIRD_PLACES = "Un tiers-lieu numérique dans chaque commune"
# Version 2 of the open data synthesis adds the answers and a conclusion to version 1.
OPEN_DATA_FINDINGS = _md("""\
            ## Ce que la consultation a montré

            Les habitant·es ont largement soutenu l'ouverture des données de la métropole, à
            une condition répétée dans presque tous les débats : **aucune donnée personnelle**
            ne doit pouvoir être retrouvée dans ce qui est publié.

            [[participation]]

            ## Les attentes les plus fortes

            Les propositions les plus soutenues demandent des données utiles au quotidien
            (horaires, travaux, qualité de l'air) et des jeux de données expliqués en langage
            clair, pas seulement des fichiers bruts.

            [[plus-soutenues]]

            ## Les points de débat

            Les échanges les plus vifs portent sur l'anonymisation et sur le risque de voir des
            entreprises tirer profit de données produites par le service public.

            [[plus-debattues]]
""")
OPEN_DATA_ANSWERS = _md("""\
            ## Les réponses de la métropole

            La métropole a répondu à chaque proposition retenue par les participant·es. Les
            réponses ci-dessous engagent le service qui publiera les données.

            [[reponses]]

            ## Pour la suite

            Le calendrier d'ouverture sera présenté aux Rencontres des numériques. Chaque jeu de
            données publié sera relu par le délégué à la protection des données avant sa mise
            en ligne.
        """)
SYNTHESES: list[dict[str, Any]] = [
    {
        "project": OPEN_DATA,
        "published": -150,
        "change_note": "",
        "narrative": OPEN_DATA_FINDINGS,
    },
    {
        "project": OPEN_DATA,
        "published": -100,
        "change_note": "Ajout des réponses officielles de la métropole et d'une conclusion.",
        "narrative": OPEN_DATA_FINDINGS + "\n\n" + OPEN_DATA_ANSWERS,
    },
]
SYNTHESIS_DRAFT = {
    "project": THIRD_PLACES,
    "narrative": _md("""\
        ## Une demande de proximité

        Brouillon en cours de rédaction : les participant·es veulent un lieu dans chaque
        commune, ouvert en soirée et le samedi, avec des médiateur·rices présent·es.

        [[territoires]]
    """),
}

EDITION: dict[str, Any] = {
    "title": "Rencontres des numériques 2026 : des données au service des habitant·es",
    "held_in": 9,  # days from today
    "venue": "Les Ateliers des Capucins, Brest",
    "programme": _md("""\
        - **9 h 30** : accueil, café et visite des stands des associations de médiation.
        - **10 h** : présentation des synthèses de l'année par l'équipe de modération.
        - **11 h** : table ronde « Ouvrir les données sans exposer les personnes ».
        - **14 h** : ateliers en petits groupes, avec des médiateur·rices numériques.
        - **16 h 30** : restitution des ateliers et réponses des élu·es.
    """),
}
