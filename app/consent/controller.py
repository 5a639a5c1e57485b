"""Who the data controller is, as consent receipts state it: admin settings, never guessed.

Kantara Consent Receipt 1.1 and ISO/IEC TS 27560 ask for the controller's contact, address,
email, phone and web address, the privacy policy's address and the jurisdiction. Charte cannot
know them, so an administrator enters them on the settings page; until then receipts carry null
for that field rather than an invented value.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.core import settings

CONTROLLER = _l("Data controller (consent receipts)")
_RECEIPTS = _l("Printed on image-use consent receipts.")


def _spec(
    key: str, kind: str, label, help_text=_RECEIPTS, default: Any = ""
) -> settings.SettingSpec:
    return settings.SettingSpec(f"controller.{key}", kind, default, label, CONTROLLER, help_text)


JURISDICTION = _spec(
    "jurisdiction",
    "text",
    _l("Jurisdiction"),
    _l(
        "Where the law governing the processing applies: an ISO 3166-1 country code such as FR, "
        "or EU. Consent is the legal basis under the GDPR, hence the default."
    ),
    default="EU",
)
PRIVACY_CONTACT = _spec("privacy_contact", "text", _l("Privacy contact (name or role)"))
PRIVACY_EMAIL = _spec("privacy_email", "email", _l("Privacy contact email"))
PHONE = _spec("phone", "text", _l("Controller phone number"))
STREET_ADDRESS = _spec("street_address", "text", _l("Controller street address"))
POSTAL_CODE = _spec("postal_code", "text", _l("Controller postal code"))
LOCALITY = _spec("locality", "text", _l("Controller town or city"))
COUNTRY = _spec(
    "country", "text", _l("Controller country"), _l("ISO 3166-1 alpha-2 code, e.g. FR.")
)
WEBSITE = _spec("website", "text", _l("Controller web site"), _l("An https:// address."))
POLICY_URL = _spec(
    "privacy_policy_url",
    "text",
    _l("Privacy policy address"),
    _l("The https:// address of the privacy policy that covers image use."),
)

ALL = (
    JURISDICTION,
    PRIVACY_CONTACT,
    PRIVACY_EMAIL,
    PHONE,
    STREET_ADDRESS,
    POSTAL_CODE,
    LOCALITY,
    COUNTRY,
    WEBSITE,
    POLICY_URL,
)


def _value(spec: settings.SettingSpec) -> str | None:
    value = str(settings.get(spec) or "").strip()
    return value or None


def _url(spec: settings.SettingSpec) -> str | None:
    """A configured web address, or None (a value that is not http(s) is not printed)."""
    value = _value(spec)
    return value if value and value.lower().startswith(("https://", "http://")) else None


def jurisdiction() -> str:
    """The receipts' jurisdiction (never empty: falls back to the default)."""
    return _value(JURISDICTION) or str(JURISDICTION.default)


def policy_url() -> str | None:
    """The privacy policy's address, if configured."""
    return _url(POLICY_URL)


def privacy_contact() -> dict[str, str | None] | None:
    """The data-protection contact as the "My image" page and PDF receipts show it: name,
    e-mail and privacy policy address, or None when an administrator has set none of them."""
    found = {"name": _value(PRIVACY_CONTACT), "email": _value(PRIVACY_EMAIL), "url": policy_url()}
    return found if any(found.values()) else None


def pii_controller(name: str) -> dict[str, Any]:
    """The controller as a Kantara `piiControllers` entry (null where not configured)."""
    country = _value(COUNTRY)
    address_parts = {
        "streetAddress": _value(STREET_ADDRESS),
        "postalCode": _value(POSTAL_CODE),
        "addressLocality": _value(LOCALITY),
        "addressCountry": country.upper() if country else None,
    }
    return {
        "piiController": name,
        # Kantara's onBehalf marks a processor collecting for a controller; Charte is run by
        # the controller itself (HR recording a paper form is the event's onBehalf, not this).
        "onBehalf": False,
        "contact": _value(PRIVACY_CONTACT),
        "address": address_parts if any(address_parts.values()) else None,
        "email": _value(PRIVACY_EMAIL),
        "phone": _value(PHONE),
        "piiControllerUrl": _url(WEBSITE),
    }
