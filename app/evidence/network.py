"""Whether evidence records the signer's IP address and browser (an admin privacy setting)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core import settings
from app.core.client import ClientInfo

PRIVACY = _l("Privacy")
STORE_NETWORK_DETAILS = settings.SettingSpec(
    "privacy.store_network_details",
    "bool",
    True,
    _l("Store IP addresses and browsers with evidence"),
    PRIVACY,
    _l(
        "When unticked, new signatures, consent decisions and audit entries record neither "
        "the IP address nor the browser (the sign-in method is still recorded)."
    ),
)


def evidence_client(client: ClientInfo) -> ClientInfo:
    """The client facts to record: without address and browser when the admin turned them off."""
    if settings.get(STORE_NETWORK_DETAILS):
        return client
    return ClientInfo(ip=None, user_agent=None, auth_method=client.auth_method)
