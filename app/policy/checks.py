"""`flask audit verify` for acknowledgements: each signature's text hash is the published one.

MACs, personal digests and the audit cross-check of acknowledgements and policy texts are the
generic seal checks (app.policy.evidence); this adds the one check that spans the two kinds.
"""

from __future__ import annotations

from sqlalchemy import select

from app.core import audit
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.policy import PolicyText


def verify_signed_texts(report: audit.VerificationReport) -> None:
    """Every acknowledgement names the SHA-256 of a published text (any revision) of its version."""
    # A version may have several texts per language (minor revisions): any of them was signable.
    digests = {
        (version_id, locale, sha256)
        for version_id, locale, sha256 in db.session.execute(
            select(PolicyText.policy_version_id, PolicyText.locale, PolicyText.sha256)
        )
    }
    rows = db.session.execute(
        select(
            Acknowledgement.id,
            Acknowledgement.policy_version_id,
            Acknowledgement.locale,
            Acknowledgement.text_sha256,
        ).order_by(Acknowledgement.id)
    )
    for ack_id, version_id, locale, sha256 in rows:
        if (version_id, locale, sha256) not in digests:
            report.problems.append(
                f"acknowledgement id={ack_id}: text hash does not match the published text"
            )
