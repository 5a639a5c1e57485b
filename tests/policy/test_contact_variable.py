"""The communications contact is not said twice in the signed policy text (issue 20)."""

from __future__ import annotations

from sqlalchemy import select

from app.core import settings
from app.extensions import db
from app.models.policy import PolicyText
from tests.policy_helpers import publish


def test_default_contact_reads_once_in_the_policy(app):
    publish(1)
    contact = settings.get(settings.COMMUNICATIONS_CONTACT)
    assert "équipe" not in contact and "team" not in contact
    texts = list(db.session.scalars(select(PolicyText)))
    assert texts
    for text in texts:
        assert text.markdown.count(contact) >= 1
        assert "(l’équipe communication" not in text.markdown
        assert "(l'équipe communication" not in text.markdown
        assert "(the communications team" not in text.markdown
