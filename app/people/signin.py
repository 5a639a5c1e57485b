"""The browser side of sessions: sign a browser in or out, and check its cookie on each request.

Replaces Flask-Login's "strong" session protection, which compared a hash of the client's
X-Forwarded-For and User-Agent headers (both chosen by the client), with a server-side check:
the cookie's key must name an open `user_session` row (people.sessions).
"""

from __future__ import annotations

from flask import Flask, flash, g, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy.exc import SQLAlchemyError

from app.core.client import ClientInfo
from app.database import PAGES_THAT_SKIP_EMPTY_READS, read_only_request
from app.models.user import User
from app.people import sessions
from app.permissions import HR_READERS

# The flask session (signed cookie) entry holding this browser's session key.
SESSION_KEY = "_charte_sid"
# Where Flask-WTF keeps the CSRF secret in the session, and its token on `g` (its default name;
# the app does not set WTF_CSRF_FIELD_NAME).
_CSRF_FIELD = "csrf_token"


def current_key() -> str | None:
    """This browser's session key, if it has one."""
    value = session.get(SESSION_KEY)
    return value if isinstance(value, str) else None


def sign_in(user: User, client: ClientInfo) -> None:
    """Open a session for this browser and sign the person in (commits).

    No "remember me" cookie is ever set: a browser stays signed in only as long as its row.
    """
    if current_user.is_authenticated:  # this browser was signed in (as someone): end that first
        sessions.end(current_user._get_current_object(), current_key(), client)
    key = sessions.create(
        user,
        auth_method=client.auth_method,
        ip=client.ip,
        user_agent=request.user_agent.string,  # summarised; kept even when IPs are not
    )
    session.pop(SESSION_KEY, None)
    _new_csrf_secret()
    login_user(user, remember=False)
    session[SESSION_KEY] = key


def landing_url(user: User) -> str:
    """Where a sign-in leads: HR, auditors and admins to the dashboard, everyone else home."""
    if user.has_role(*HR_READERS):
        return url_for("hr_reports.dashboard")
    return url_for("main.home")


def sign_out(client: ClientInfo) -> None:
    """End this browser's session on the server (audited), then forget it in the cookie."""
    if current_user.is_authenticated:
        sessions.end(current_user._get_current_object(), current_key(), client)
    forget()


def forget() -> None:
    """Drop the sign-in from this browser's cookie (the server-side row is the caller's)."""
    logout_user()
    session.pop(SESSION_KEY, None)
    _new_csrf_secret()


def _new_csrf_secret() -> None:
    # A form token issued before a sign-in or a sign-out is not accepted after it: the secret
    # the tokens are signed from (which Flask-WTF keeps, readable, in the signed cookie) is
    # dropped, and the next page makes a new one. Someone who planted their own cookie in the
    # person's browser before the sign-in, or read it on a shared computer, then knows nothing
    # of the signed-in session's secret; and a form left open across a sign-out answers "Your
    # form expired" instead of acting.
    session.pop(_CSRF_FIELD, None)
    g.pop(_CSRF_FIELD, None)  # Flask-WTF's token for this request, signed from the old secret


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the user only while this browser's session is open."""
    try:
        result = sessions.check(user_id, current_key(), _answers_for_this_request())
    except SQLAlchemyError:
        if g.get("charte_rendering_error"):
            return None  # the error page itself: render it as for a visitor
        raise  # anywhere else: the outage handler answers 503
    if result.user is None:
        # A dead cookie is forgotten, so the next requests do not look it up again.
        for name in ("_user_id", "_fresh", "_id", SESSION_KEY):
            session.pop(name, None)
        if result.ended == sessions.IDLE:
            flash(_("You were signed out after a period without activity."), "info")
        elif result.ended == sessions.EXPIRED:
            flash(_("Your session has ended: please sign in again."), "info")
    return result.user


def _answers_for_this_request() -> str:
    """What the sign-in check should answer besides the person (people.sessions)."""
    if read_only_request() and request.endpoint in PAGES_THAT_SKIP_EMPTY_READS:
        return sessions.PAGE_SKIPPING_READS
    if request.method in ("GET", "HEAD"):
        return sessions.PAGE
    return sessions.ACTION


def _check_before_the_view() -> None:
    # Load the user (and record use, or end an idle session) before any view runs: the check
    # may write, and must not commit half of a view's work. A user loaded by an earlier request
    # is never reused, even where requests share an app context (the test client does).
    g.pop("_login_user", None)
    if request.endpoint != "static" and "_user_id" in session:
        current_user._get_current_object()


def init_app(app: Flask) -> None:
    """Check every request's session before its view runs."""
    app.before_request(_check_before_the_view)
