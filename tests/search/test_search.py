"""Search: the query language, French words, the index following every change of visibility,
the page (filters, keyset paging, constant SQL), the proposal list's q= and the finders."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from consultation.accounts import services as accounts
from consultation.comments import services as comments
from consultation.core import similar
from consultation.extensions import db
from consultation.followup import services as followup
from consultation.moderation import services as moderation
from consultation.proposals import services as proposals
from consultation.search import services, text
from consultation.search.models import SearchEntry
from tests import factories


def found(client, query: str, **params: str) -> str:
    response = client.get("/recherche", query_string={"q": query, **params})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def kinds_found(query: str, **filters) -> list[tuple[str, int]]:
    page = services.search_page(text.parse(query), services.Filters(**filters), None, 50)
    return [(r.kind, r.object_id) for r in page.items]


# --- The query language ------------------------------------------------------------------------

def test_parse_words_phrases_exclusions():
    query = text.parse('Bornes "piste cyclable" -voiture Wi-Fi le')
    assert query.terms == ["Bornes", "WiFi"]
    assert query.phrases == [["piste", "cyclable"]]
    assert query.excluded == ["voiture"]


@pytest.mark.parametrize("raw", ['"', "-", "---", "le la des", "*", ":", "'", "\\", "\x00",
                                 "🚲", '""', "-vélo", "AND OR NOT" * 0 + "( )"])
def test_parse_refuses_queries_with_nothing_to_find(raw):
    with pytest.raises(text.QueryError) as refused:
        text.parse(raw)
    assert "\u00a0:" in str(refused.value)


def test_french_normalisation():
    assert text.stem("Numériques") == text.stem("numerique")
    assert text.stem("bornes") == text.stem("borne")
    assert text.stem("wifi") in text.stemmed_text("Accès Wi-Fi gratuit").split()
    assert text.index_text("le Wi-Fi public").startswith("le WiFi public")


# Hyphens of every kind, words of letters and digits, underscores (not letters), hyphens at
# the ends of words and runs of them.
HYPHEN_CASES = [
    "", "sans trait d'union", "Wi-Fi", "le Wi-Fi public", "peut-être, c'est-à-dire",
    "Saint-Pierre-Quilbignon", "e‐mail a‑b", "a-b-c- -x x- a--b --", "_a-b_ c_-d é-É",
    "12-13 ans, 4G-5G", "Brest-Métropole; l'Île-de-France!", "un-\ndeux -trois quatre-",
]


def _texts_of_the_demo() -> list[str]:
    """Every string of the demo's content files: French texts of every length."""
    import tomllib
    from pathlib import Path

    found: list[str] = []

    def strings(value: object) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                strings(item)
        elif isinstance(value, list):
            for item in value:
                strings(item)

    content = Path(text.__file__).parents[1] / "demo" / "content"
    for path in sorted(content.rglob("*.toml")):
        strings(tomllib.loads(path.read_text(encoding="utf-8")))
    return found


def test_hyphenated_words_are_read_as_by_the_plain_pattern():
    """The anchored, possessive pattern and the shortcut for a text without a hyphen find
    what the plain pattern finds, in the demo's texts and in made-up cases."""
    plain = re.compile(r"[^\W_]+(?:[-‐‑][^\W_]+)+")
    samples = HYPHEN_CASES + _texts_of_the_demo()
    assert len(samples) > 100 and sum("-" in sample for sample in samples) > 20
    for sample in samples:
        found = plain.findall(sample)
        assert text.HYPHENATED.findall(sample) == found, sample
        assert text.joined(sample) == plain.sub(text._join, sample), sample
        parts = [word for hyphenated in found for word in text.WORD.findall(hyphenated)]
        expected = plain.sub(text._join, sample)
        assert text.index_text(sample) == (" ".join([expected, *parts]) if parts else expected)


def test_highlight_escapes_then_marks():
    stems = text.parse("borne").stems()
    shown = str(text.highlight("<script>x</script> des bornes", stems))
    assert shown == "&lt;script&gt;x&lt;/script&gt; des <mark>bornes</mark>"


# --- Words found -----------------------------------------------------------------------------

@pytest.fixture
def content(app):
    project = factories.project(title="Mobilités douces", summary="Les déplacements à vélo.")
    wifi = factories.proposal(project, title="Wi-Fi public gratuit",
                              body="Des **bornes** numériques dans les bibliothèques.")
    bike = factories.proposal(project, title="Piste cyclable rue de Siam",
                              body="Une piste cyclable protégée, sans voiture.")
    other = factories.proposal(project, title="Arbres en ville",
                               body="Planter des arbres le long de la piste.")
    comment = factories.comment(bike, body="Les trottinettes aussi sur la piste cyclable.")
    db.session.commit()
    return project, wifi, bike, other, comment


@pytest.mark.parametrize("query, expected", [
    ("borne", "wifi"), ("BORNES", "wifi"), ("numerique", "wifi"), ("numériques", "wifi"),
    ("wifi", "wifi"), ("Wi-Fi", "wifi"), ("WIFI gratuit", "wifi"),
    ('"piste cyclable"', "bike"), ("piste -arbres", "bike"), ("siam", "bike"),
])
def test_french_queries_find_the_proposal(content, query, expected):
    _, wifi, bike, _, _ = content
    target = {"wifi": wifi, "bike": bike}[expected]
    results = kinds_found(query, kind="proposal")
    assert results and results[0] == ("proposal", target.id)


def test_phrase_and_exclusion_leave_out(content):
    _, wifi, bike, other, comment = content
    assert ("proposal", other.id) not in kinds_found('"piste cyclable"')
    assert ("proposal", other.id) not in kinds_found("piste -arbres")
    assert ("comment", comment.id) in kinds_found("trottinettes")


def test_title_matches_come_first(content):
    _, _, bike, other, _ = content
    results = kinds_found("piste", kind="proposal")
    assert results[0] == ("proposal", bike.id) and ("proposal", other.id) in results


def test_page_shows_kind_project_excerpt_and_marks(content, client):
    html = found(client, "bornes")
    assert "<mark>bornes</mark>" in html and "Proposition" in html and "Mobilités douces" in html
    assert "<strong>" not in html.split("<ol")[1]  # the markdown is plain text in excerpts
    html = found(client, "trottinettes")
    assert "Piste cyclable rue de Siam" in html and "/commentaires/" in html


def test_empty_query_shows_help_and_hostile_queries_never_fail(content, client):
    assert "guillemets" in found(client, "")
    for raw in ['"', "-", "*", "NEAR(", "AND OR NOT", ":", "'", "\\\\", "\x00", "🚲🚲",
                "x" * 5000, '"piste', "piste OR", "-piste", "a:b c*", "{index_title}: piste"]:
        html = found(client, raw)
        assert "Traceback" not in html
    assert "aucun mot" in found(client, "---")
    assert "le signe moins" in found(client, "-piste")
    assert "Aucun résultat" in found(client, "introuvablissime")


def test_forged_cursor_is_404(content, client):
    assert client.get("/recherche?q=piste&apres=xyz").status_code == 404
    assert client.get("/recherche?q=piste&apres=WzEsMi4wLDNd").status_code == 404


def test_filters(content, client):
    project, wifi, bike, _, _ = content
    elsewhere = factories.project(phase="information", title="Piste ailleurs")
    brest = factories.territory("Brest")
    far = factories.proposal(elsewhere, title="Piste de ski", territory=brest)
    db.session.commit()
    assert ("proposal", far.id) in kinds_found("piste")
    assert ("proposal", far.id) not in kinds_found("piste", project_id=project.id)
    assert [k for k, _ in kinds_found("piste", kind="project")] == ["project"]
    assert kinds_found("piste", territory_id=brest.id) == [("proposal", far.id)] or \
        ("proposal", far.id) in kinds_found("piste", territory_id=brest.id)
    assert ("proposal", bike.id) not in kinds_found("piste", territory_id=brest.id)
    assert ("proposal", far.id) not in kinds_found("piste", phase="consultation")
    assert ("proposal", far.id) in kinds_found("piste", phase="information")
    html = found(client, "piste", type="project", phase="nimporte", projet="abc")
    assert "Piste ailleurs" in html


def test_keyset_paging_and_constant_sql(app, client, count_queries):
    project = factories.project()
    for n in range(7):
        factories.proposal(project, title=f"Composteur numéro {n}", body="Un composteur.")
    db.session.commit()
    page = services.search_page(text.parse("composteur"), services.Filters(), None, 3)
    seen = [r.object_id for r in page.items]
    while page.next_cursor:
        from consultation.core.pagination import decode_cursor
        cursor = decode_cursor(page.next_cursor, (int, int, int))
        page = services.search_page(text.parse("composteur"), services.Filters(), cursor, 3)
        seen += [r.object_id for r in page.items]
    assert len(seen) == len(set(seen)) == 7
    assert client.get("/recherche?q=composteur").status_code == 200  # templates compiled
    with count_queries() as few:
        client.get("/recherche?q=composteur")
    for n in range(30):
        factories.proposal(project, title=f"Composteur bis {n}")
    db.session.commit()
    with count_queries() as many:
        html = client.get("/recherche?q=composteur").get_data(as_text=True)
    assert many.count == few.count
    assert 'rel="next"' in html


def test_english_page(content, client):
    client.post("/langue", data={"lang": "en", "next": "/"})
    assert client.get("/recherche?q=bornes").status_code == 200


def test_header_has_search_box(app, client):
    html = client.get("/").get_data(as_text=True)
    assert 'role="search"' in html and 'action="/recherche"' in html
    assert 'for="recherche-site"' in html


# --- Visibility: the index follows every change ---------------------------------------------

def indexed(kind: str, object_id: int) -> bool:
    return db.session.scalar(select(SearchEntry.id).where(
        SearchEntry.kind == kind, SearchEntry.object_id == object_id)) is not None


def test_hide_restore_proposal_takes_its_comments_along(content):
    _, _, bike, _, comment = content
    moderator = factories.user(roles=("moderator",))
    moderation.hide(moderator, "proposal", bike, "Hors sujet")
    db.session.commit()
    assert not indexed("proposal", bike.id) and not indexed("comment", comment.id)
    assert kinds_found("trottinettes") == []
    moderation.restore(moderator, "proposal", bike, "Finalement")
    db.session.commit()
    assert indexed("proposal", bike.id) and indexed("comment", comment.id)


def test_hide_comment_and_delete_comment(content):
    _, _, bike, _, comment = content
    moderator = factories.user(roles=("moderator",))
    moderation.hide(moderator, "comment", comment, "Insultant")
    db.session.commit()
    assert not indexed("comment", comment.id)
    moderation.restore(moderator, "comment", comment, "Erreur")
    db.session.commit()
    assert indexed("comment", comment.id)
    comments.delete_comment(comment.author, comment)
    db.session.commit()
    assert not indexed("comment", comment.id)


def test_edit_comment_and_proposal(content):
    _, wifi, _, _, comment = content
    comments.edit_comment(comment.author, comment, "pour", "Les gyropodes aussi.")
    db.session.commit()
    assert kinds_found("gyropodes") == [("comment", comment.id)]
    assert kinds_found("trottinettes") == []
    proposals.update_proposal(wifi.author, wifi, "Réseau sans fil", "Des antennes.", None)
    db.session.commit()
    assert kinds_found("antennes") == [("proposal", wifi.id)]


def test_withdraw_merge_unmerge(content):
    _, wifi, bike, other, comment = content
    proposals.withdraw_proposal(wifi.author, wifi)
    db.session.commit()
    assert not indexed("proposal", wifi.id)
    moderator = factories.user(roles=("moderator",))
    entry = moderation.merge(moderator, bike, other, "Doublon")
    db.session.commit()
    assert not indexed("proposal", bike.id) and not indexed("comment", comment.id)
    moderation.unmerge(moderator, entry, "Erreur")
    db.session.commit()
    assert indexed("proposal", bike.id) and indexed("comment", comment.id)


def _entry_of(comment_id: int) -> tuple | None:
    row = db.session.execute(
        select(SearchEntry.kind, SearchEntry.object_id, SearchEntry.project_id,
               SearchEntry.proposal_id, SearchEntry.territory_id, SearchEntry.created_at,
               SearchEntry.title, SearchEntry.body, SearchEntry.index_title,
               SearchEntry.index_body)
        .where(SearchEntry.kind == "comment", SearchEntry.object_id == comment_id)
    ).first()
    return tuple(row) if row is not None else None


def test_a_new_comment_gets_the_entry_a_rewrite_would_write(app):
    """The one statement that indexes a new comment writes the very row that a rewrite from
    the database does: on a proposal (its territory), on the project, on a hidden proposal
    (none); a comment waiting for approval has none."""
    project = factories.project()
    proposal = factories.proposal(project, title="Des arceaux")
    proposal.territory = factories.territory()
    db.session.flush()
    hidden = factories.proposal(project)
    moderation.hide(factories.user(roles=("moderator",)), "proposal", hidden, "Doublon.")
    made = [
        factories.comment(proposal, body="Des **arceaux** à vélo, rue de Siam !"),
        factories.comment(project, body="Le projet entier, et l'éclairage."),
        factories.comment(hidden, body="Sur une proposition masquée."),
    ]
    db.session.commit()
    written = [_entry_of(comment.id) for comment in made]
    assert written[0] is not None and written[1] is not None and written[2] is None
    assert written[0][3:5] == (proposal.id, proposal.territory_id)
    assert proposal.territory_id is not None and written[1][3:5] == (None, None)
    connection = db.session.connection()
    for comment in made:
        services.sync(connection, "comment", [comment.id])
    assert [_entry_of(comment.id) for comment in made] == written

    project.premoderation = True
    db.session.flush()
    waiting = comments.add_comment(factories.user(), project, "pour", "En attente.",
                                   proposal=proposal)
    db.session.commit()
    assert _entry_of(waiting.id) is None


def test_premoderation_approve(app):
    project = factories.project(premoderation=True)
    waiting = factories.proposal(project, title="Kiosque à musique")
    db.session.commit()
    assert kinds_found("kiosque") == []
    moderation.approve(factories.user(roles=("moderator",)), "proposal", waiting)
    db.session.commit()
    assert kinds_found("kiosque") == [("proposal", waiting.id)]


def test_account_deletion_keeps_content_but_not_names(content):
    _, wifi, _, _, _ = content
    author = wifi.author
    author.set_password("motdepasse-long-1")
    name = author.display_name
    db.session.commit()
    accounts.delete_account(author, "motdepasse-long-1")
    db.session.commit()
    assert indexed("proposal", wifi.id)
    assert db.session.scalar(select(SearchEntry.id).where(SearchEntry.body.contains(name))) \
        is None


def test_project_edit_synthesis_and_commitments(app):
    from consultation.projects import services as projects
    from consultation.syntheses import services as syntheses

    admin = factories.user(roles=("admin",))
    project = factories.project(phase="synthesis", title="Plage du Moulin Blanc")
    db.session.commit()
    assert kinds_found("moulin", kind="project") == [("project", project.id)]
    projects.update_project(admin, project, projects.ProjectData(
        title="Port de commerce", summary="Les quais.", slug=project.slug))
    db.session.commit()
    assert kinds_found("commerce", kind="project") == [("project", project.id)]
    assert kinds_found("moulin", kind="project") == []
    syntheses.publish(project, admin, "Les habitants veulent des **sanitaires**.", "")
    db.session.commit()
    assert [k for k, _ in kinds_found("sanitaires")] == ["synthesis"]
    syntheses.publish(project, admin, "Priorité aux douches.", "Texte revu.")
    db.session.commit()
    assert kinds_found("sanitaires") == [] and len(kinds_found("douches")) == 1
    commitment = followup.create_commitment(admin, project, followup.CommitmentData(
        title="Installer des douches", description="Au printemps.", service="Espaces verts",
    ))
    db.session.commit()
    assert kinds_found("douches", kind="commitment") == [("commitment", commitment.id)]
    followup.edit_commitment(admin, commitment, followup.CommitmentData(
        title="Installer des cabines", description="En été."))
    db.session.commit()
    assert kinds_found("cabines", kind="commitment") == [("commitment", commitment.id)]
    followup.add_update(admin, commitment, "Les travaux de terrassement commencent.",
                        "en_cours", 10)
    db.session.commit()
    assert kinds_found("terrassement") == [("commitment", commitment.id)]


def test_reindex_rebuilds_everything(content, app):
    before = db.session.scalar(select(db.func.count(SearchEntry.id)))
    runner = app.test_cli_runner()
    assert "rien à faire" in runner.invoke(args=["search", "reindex", "--if-empty"]).output
    db.session.execute(SearchEntry.__table__.delete())
    db.session.commit()
    result = runner.invoke(args=["search", "reindex", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(db.func.count(SearchEntry.id))) == before
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    assert db.session.scalar(select(db.func.count(SearchEntry.id))) == before
    assert kinds_found("bornes")


# --- The finders and the proposal list ---------------------------------------------------------

def test_similar_and_find(content):
    project, wifi, bike, other, _ = content
    found_similar = similar.similar_proposals(project.id, "Une piste pour les vélos")
    assert {p.id for p in found_similar} >= {bike.id, other.id}
    assert similar.similar_proposals(project.id, "piste", exclude_id=bike.id)[0].id == other.id
    assert [p.id for p in similar.find_proposals(project.id, f"n° {wifi.id}")] == [wifi.id]
    assert [p.id for p in similar.find_proposals(project.id, f"#{wifi.id}")] == [wifi.id]
    assert [p.id for p in similar.find_proposals(project.id, "piste cyclable")][0] == bike.id
    assert similar.find_proposals(project.id, '"') == []


def test_proposal_list_takes_q(content, client, count_queries):
    project, wifi, bike, other, _ = content
    url = f"/projets/{project.slug}/propositions"
    html = client.get(url, query_string={"q": "piste", "tri": "recentes"}).get_data(as_text=True)
    assert "Piste cyclable" in html and "Arbres en ville" in html and "Wi-Fi public" not in html
    html = client.get(url, query_string={"q": "piste"}).get_data(as_text=True)  # random order
    assert "Wi-Fi public" not in html and "2 propositions" in html
    html = client.get(url, query_string={"q": "-piste"}).get_data(as_text=True)
    assert "le signe moins" in html
    with count_queries() as plain:
        client.get(url, query_string={"tri": "soutiens"})
    with count_queries() as searched:
        client.get(url, query_string={"tri": "soutiens", "q": "piste"})
    assert searched.count == plain.count
