import io, time, re
import pypdf
from consultation.core import jobs
from consultation.extensions import db
from consultation.syntheses import services as syn
from consultation.rencontres import services as ren
from datetime import date
from tests import factories


def test_explore(app):
    mod = factories.user(roles=("moderator",))
    admin = factories.user(roles=("admin",))
    p = factories.project("synthesis", title="Tiers-lieux numériques")
    pr = factories.proposal(p)
    factories.support(pr)
    factories.comment(pr)
    db.session.commit()
    t = time.perf_counter()
    v = syn.publish(p, mod, "## Ce que nous retenons\n\nDes idées.", "")
    db.session.commit(); jobs.dispatch_committed()
    print("syn", time.perf_counter() - t)
    e = ren.save(None, admin, year=2026, title="Rencontres 2026 : le numérique en commun",
                 held_on=date(2026, 12, 4), venue="Les Capucins, Brest",
                 programme="## Matinée\n\nAtelier sur la médiation numérique.", version_ids=[v.id])
    ren.publish(e, admin)
    db.session.commit()
    t = time.perf_counter()
    jobs.dispatch_committed()
    print("dossier", time.perf_counter() - t)
    db.session.expire_all()
    from consultation.core.documents import content_of
    reader = pypdf.PdfReader(io.BytesIO(content_of(e.document)))
    print(reader.metadata, reader.trailer["/Root"]["/Lang"])
    for i, page in enumerate(reader.pages):
        print("=== page", i)
        print(page.extract_text())
    assert 0
