"""How a due item reads and where it leads, shared by the learner's home and the reminder emails."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from app.core import settings
from app.learn.content import catalog


def label(key: str, locale: str) -> str:
    """What the person has to do, in the current (or forced) locale."""
    if key == "programme":
        return _("Complete your training programme")
    if key == "policy":
        return _("Sign the social media policy")
    if key == "refresher":
        return _("Refresher: go through the required modules again")
    slug = key.removeprefix("module:")
    module = catalog.catalog().get(slug)
    title = module.text(locale).title if module else slug
    return _(
        "Complete the module “%(title)s”",
        title=catalog.fill(title, settings.organisation_variables()),
    )


def target(key: str) -> tuple[str, dict[str, str]]:
    """The endpoint and arguments of the page where the item is done."""
    if key == "policy":
        return "sign.index", {}
    if key.startswith("module:"):
        return "learn.module", {"slug": key.removeprefix("module:")}
    return "main.home", {}


def absolute_link(key: str, base_url: str) -> str:
    """The item's page on `base_url`, built without a request (the command has none)."""
    endpoint, values = target(key)
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return base_url.rstrip("/") + path
