"""The app starts on each backend and serves its main pages."""

from tests import factories


def test_pages_render(app, client):
    project = factories.project()
    proposal = factories.proposal(project)
    factories.comment(proposal)
    from consultation.extensions import db

    db.session.commit()
    urls = ["/", "/projets", f"/projets/{project.slug}", f"/projets/{project.slug}/propositions",
            f"/propositions/{proposal.id}", "/healthz"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
