"""Sign-in with the company's identity provider (OpenID Connect, code flow with PKCE)."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError
from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_login import current_user
from joserfc.errors import ClaimError, JoseError

from app.extensions import limiter
from app.people import signin, sso, step_up
from app.people.oidc import IssuerMismatch, client_or_404, load_metadata
from app.web import client_info, public_url, safe_next

bp = Blueprint("sso", __name__)
log = logging.getLogger(__name__)

_NEXT_KEY = "sso_next"


def _refused(failure: sso.SSOFailure):
    flash(failure.message, "error")
    return redirect(url_for("auth.login"))


def _failure(reason: str, **details: Any) -> sso.SSOFailure:
    # Only the reason and short error codes are kept: never a token, a code or a claim set.
    log.info("Single sign-on refused: %s %s", reason, details or "")
    return sso.fail(reason, client=client_info("oidc"), details=details)


def _fail(reason: str, **details: Any):
    return _refused(_failure(reason, **details))


@bp.route("/login/sso")
def start():
    """Send the browser to the identity provider with state, nonce and a PKCE challenge."""
    client = client_or_404()
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    session[_NEXT_KEY] = safe_next(request.args.get("next"))
    try:
        load_metadata(client)
        return client.authorize_redirect(public_url("sso.callback"))
    except IssuerMismatch:
        return _fail("issuer_mismatch")
    except (requests.RequestException, ValueError):
        return _fail("provider_unreachable")


def _claims(client: Any) -> dict[str, Any]:
    """Exchange the code and return the verified claims; raise SSOFailure otherwise."""
    try:
        metadata = load_metadata(client)
        token = client.authorize_access_token()
    except MismatchingStateError:
        raise _failure("state_mismatch") from None
    except IssuerMismatch:
        raise _failure("issuer_mismatch") from None
    except ClaimError as exc:
        reason = "nonce_mismatch" if exc.claim == "nonce" else "id_token_invalid"
        raise _failure(reason, claim=exc.claim) from None
    except JoseError as exc:
        raise _failure("id_token_invalid", error=exc.error) from None
    except AuthlibBaseError as exc:
        raise _failure("token_exchange_failed", error=str(exc.error)[:64]) from None
    except (requests.RequestException, ValueError):
        raise _failure("provider_unreachable") from None
    claims = token.get("userinfo")
    if not claims:
        # No ID token (or Authlib could not check its nonce): never trust such an answer.
        raise _failure("id_token_invalid", error="no_id_token") from None
    claims = dict(claims)
    if metadata.get("userinfo_endpoint"):
        try:
            extra = client.userinfo(token=token)
        except (requests.RequestException, ValueError, AuthlibBaseError):
            raise _failure("provider_unreachable") from None
        if extra.get("sub") == claims.get("sub"):
            # The ID token wins; the UserInfo answer only fills what it lacks (e.g. groups).
            claims = {**dict(extra), **claims}
    return claims


@bp.route("/login/sso/callback")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_IP"])
def callback():
    """Check the provider's answer (state, code exchange, ID token), then sign the person in."""
    client = client_or_404()
    pending = step_up.find_by_state(request.args.get("state"))
    if pending is not None:
        return _step_up_callback(client, pending)
    next_url = session.pop(_NEXT_KEY, None)
    if request.args.get("error"):
        # The provider said no (e.g. the person cancelled): forget this attempt's state too.
        client.framework.clear_state_data(session, request.args.get("state"))
        return _fail("provider_error", error=request.args["error"][:64])
    try:
        claims = _claims(client)
        requester = client_info("oidc")
        user = sso.sign_in(claims, client=requester)
    except sso.SSOFailure as failure:
        return _refused(failure)
    signin.sign_in(user, requester)
    return redirect(next_url or signin.landing_url(user))


def _step_up_callback(client: Any, pending):
    """The provider's answer to a step-up (a new sign-in asked before signing): check it.

    The same redirect URI serves both, so nothing new is registered at the provider; the state
    tells them apart. Success or failure, the browser goes back to the pending action, which
    uses the proof once or says why there is none.
    """
    info = client_info(step_up.SSO_STEP_UP)
    if not current_user.is_authenticated or pending.user_id != current_user.id:
        # Someone else's pending signature (or a signed-out browser): never complete it.
        step_up.fail(pending, "other_account", client=info, wrong_session=True)
        flash(step_up.message("other_account"), "error")
        return redirect(url_for("main.home"))
    replay = step_up.refuse_replay(pending, client=info)
    if replay is not None:
        client.framework.clear_state_data(session, request.args.get("state"))
        flash(replay.message, "error")
        return redirect(url_for("main.home"))
    if request.args.get("error"):
        client.framework.clear_state_data(session, request.args.get("state"))
        step_up.fail(pending, "sso_refused", client=info, error=request.args["error"][:64])
        return redirect(pending.return_path)
    try:
        claims = _claims(client)
    except sso.SSOFailure as failure:
        step_up.fail(pending, "sso_refused", client=info, error=failure.reason)
        return redirect(pending.return_path)
    # A refusal is recorded on the step-up; the pending action shows its message.
    with contextlib.suppress(step_up.StepUpError):
        step_up.complete_sso(pending, current_user, claims, client=info)
    return redirect(pending.return_path)
