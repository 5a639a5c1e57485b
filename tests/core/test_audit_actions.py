"""The audit action catalogue: complete, unique, pinned to the stored values, used everywhere."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

from sqlalchemy import select

from app.consent import decisions
from app.core.audit_actions import AuditAction
from app.extensions import db
from app.hr_reports import timeline
from app.models.audit import AuditEvent
from app.models.consent import ConsentDecision
from tests.consent_helpers import at, decide

APP = Path(__file__).resolve().parents[2] / "app"

# The values stored in the hash-chained audit log: never change one (old entries keep theirs).
STORED_VALUES = {
    "user.created",
    "user.invited",
    "user.deactivated",
    "user.reactivated",
    "user.role_changed",
    "user.identity_changed",
    "users.imported",
    "user.manager_changed",
    "users.upserted",
    "users.invitation_links_exported",
    "auth.signed_in",
    "auth.sign_in_failed",
    "auth.signed_out",
    "auth.sso_failed",
    "auth.password_set",
    "auth.password_changed",
    "auth.password_change_refused",
    "auth.reset_link_issued",
    "auth.step_up_code_sent",
    "auth.step_up_failed",
    "module.completed",
    "module.settings_changed",
    "content.draft_created",
    "content.draft_saved",
    "content.draft_discarded",
    "content.published",
    "content.imported",
    "content.module_retired",
    "content.module_restored",
    "quiz.submitted",
    "policy.published",
    "policy.signed",
    "policy.draft_created",
    "policy.draft_edited",
    "policy.draft_approved",
    "policy.draft_published",
    "certificate.issued",
    "certificate.revoked",
    "certificates.exported",
    "assignment.created",
    "reminder.sent",
    "reminders.sent",
    "escalation.notified",
    "consent.granted",
    "consent.refused",
    "consent.revoked",
    "consent.exported",
    "consent.texts_imported",
    "consent.purpose_duration_changed",
    "consent.purpose_deactivated",
    "consent.purpose_reactivated",
    "consent.publication_check",
    "consent.review_done",
    "asset.registered",
    "asset.tagged",
    "asset.published",
    "asset.published_with_override",
    "asset.takedown_decided",
    "export.employees",
    "export.signatures",
    "export.consent_events",
    "me.exported",
    "retention.purged",
    "settings.changed",
    "evidence.sealed",
    "evidence.key_rotated",
    "api_token.created",
    "api_token.revoked",
    "webhook.registered",
    "webhook.disabled",
    "scim.group_changed",
    "scim.group_mapping_changed",
    "scim.bulk",
}


def _sources() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in APP.rglob("*.py")]


def _is_audit_record(call: ast.Call) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "record"
        and isinstance(func.value, ast.Name)
        and func.value.id == "audit"
    )


def _first_args(name_check) -> list[tuple[str, ast.expr]]:
    found = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and name_check(node) and node.args:
                found.append((f"{path.relative_to(APP.parent)}:{node.lineno}", node.args[0]))
    return found


def _literals(expr: ast.expr) -> list[ast.expr]:
    """String literals and f-strings in an action argument (a lookup key, as in
    `DECISION_ACTIONS[row["decision"]]`, is not the action itself)."""
    keys = {
        id(node)
        for sub in ast.walk(expr)
        if isinstance(sub, ast.Subscript)
        for node in ast.walk(sub.slice)
    }
    return [
        n
        for n in ast.walk(expr)
        if id(n) not in keys
        and (
            isinstance(n, ast.JoinedStr)
            or (isinstance(n, ast.Constant) and isinstance(n.value, str))
        )
    ]


def _members(expr: ast.expr) -> list[str]:
    return [
        n.attr
        for n in ast.walk(expr)
        if isinstance(n, ast.Attribute)
        and isinstance(n.value, ast.Name)
        and n.value.id == "AuditAction"
    ]


def test_stored_values_are_unchanged_and_unique():
    values = [action.value for action in AuditAction]
    assert len(values) == len(set(values))
    assert set(values) == STORED_VALUES
    # Every member is declared with its own value (no alias hidden by Enum's deduplication).
    source = (APP / "core" / "audit_actions.py").read_text(encoding="utf-8")
    declared = [
        node.value.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
    ]
    assert sorted(declared) == sorted(values)


def test_audit_record_calls_use_the_catalogue():
    calls = _first_args(_is_audit_record)
    assert len(calls) > 30  # the scan does find the call sites
    with_literal = [where for where, arg in calls if _literals(arg)]
    assert with_literal == [], "audit.record with a string literal: use AuditAction"
    unknown = [
        (where, name)
        for where, arg in calls
        for name in _members(arg)
        if name not in AuditAction.__members__
    ]
    assert unknown == []


def test_dynamic_call_sites_only_record_catalogue_values():
    # decisions.record_decision looks its action up by decision; exports._audited gets a member.
    assert set(decisions.DECISION_ACTIONS) == set(ConsentDecision)
    assert all(isinstance(a, AuditAction) for a in decisions.DECISION_ACTIONS.values())
    assert {f"consent.{d}" for d in ConsentDecision} == {
        a.value for a in decisions.DECISION_ACTIONS.values()
    }
    exports = _first_args(
        lambda call: isinstance(call.func, ast.Name) and call.func.id == "_audited"
    )
    assert len(exports) == 3
    for where, arg in exports:
        assert not _literals(arg), where
        assert [m in AuditAction.__members__ for m in _members(arg)] == [True], where


def test_demo_history_uses_the_catalogue():
    adds = _first_args(
        lambda call: (
            isinstance(call.func, ast.Attribute)
            and call.func.attr == "add"
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == "chain"
        )
    )
    assert adds
    assert [where for where, arg in adds if _literals(arg)] == []


def test_every_action_recorded_at_run_time_is_in_the_catalogue(app, employee, purposes):
    from app.demo import bulk, seed

    seed.load_demo()
    bulk.generate(3)
    order = [ConsentDecision.GRANTED, ConsentDecision.REVOKED, ConsentDecision.REFUSED]
    for i, decision in enumerate(order):
        decide(employee, "company-website", "photo", decision.value, when=at(date(2026, 9, 2 + i)))
    recorded = set(db.session.scalars(select(AuditEvent.action).distinct()))
    assert {f"consent.{d}" for d in ConsentDecision} | {"user.created"} <= recorded
    assert recorded <= STORED_VALUES
    assert all(type(action) is str for action in recorded)


# Actions about one person's account that the timeline leaves out, and why.
TIMELINE_EXCLUDED = {
    # Sign-ins (and failed attempts) are not changes to the account; they would flood it.
    AuditAction.AUTH_SIGNED_IN: "sign-in",
    AuditAction.AUTH_SIGN_IN_FAILED: "sign-in",
    AuditAction.AUTH_SSO_FAILED: "sign-in",
    AuditAction.AUTH_SIGNED_OUT: "sign-in",
    # Re-authentication before signing: the signature it led to is on the timeline.
    AuditAction.AUTH_STEP_UP_CODE_SENT: "step-up",
    AuditAction.AUTH_STEP_UP_FAILED: "step-up",
    # The person's own password changes: the timeline shows only the first choice of a password.
    AuditAction.AUTH_PASSWORD_CHANGED: "own password change",
    AuditAction.AUTH_PASSWORD_CHANGE_REFUSED: "own password change",
    # Bulk actions about many people at once (their subject is not one person).
    AuditAction.USERS_IMPORTED: "bulk",
    AuditAction.USERS_UPSERTED: "bulk",
    AuditAction.USERS_INVITATION_LINKS_EXPORTED: "bulk",
}


def test_timeline_labels_cover_the_account_actions(app):
    """The timeline reads account events from the audit log; modules, quizzes, signatures and
    consent come from their own tables (other sources), so only user.* and auth.* matter here."""
    labels = set(timeline._account_labels())
    assert labels <= STORED_VALUES
    account_actions = {a for a in AuditAction if a.value.split(".")[0] in ("user", "users", "auth")}
    assert labels.isdisjoint(TIMELINE_EXCLUDED)
    assert labels | set(TIMELINE_EXCLUDED) == account_actions
