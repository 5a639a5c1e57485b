"""How a due item reads and where it leads, shared by the learner's home and the reminder emails."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from app.assignments.due import DueKind, parse_due_key
from app.core import settings
from app.learn.content import catalog


def label(key: str, locale: str) -> str:
    """What the person has to do, in the current (or forced) locale."""
    kind, slug = parse_due_key(key)
    if kind is DueKind.PROGRAMME:
        return _("Complete your training programme")
    if kind is DueKind.POLICY:
        return _("Sign the social media policy")
    if kind is DueKind.REFRESHER:
        return _("Refresher: go through the required modules again")
    # A module (an unknown key reads as a module slug, as it always has).
    module = catalog.catalog().get(slug)
    title = module.text(locale).title if module else slug
    return _(
        "Complete the module “%(title)s”",
        title=catalog.fill(title, settings.organisation_variables()),
    )


def target(key: str) -> tuple[str, dict[str, str]]:
    """The endpoint and arguments of the page where the item is done."""
    kind, slug = parse_due_key(key)
    if kind is DueKind.POLICY:
        return "sign.index", {}
    if kind is DueKind.MODULE:
        return "learn.module", {"slug": slug}
    return "main.home", {}


def absolute_link(key: str, base_url: str) -> str:
    """The item's page on `base_url`, built without a request (the command has none)."""
    endpoint, values = target(key)
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return base_url.rstrip("/") + path
