"""Static files cached for a year, their URLs carrying a content hash so a change is fetched."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import Flask

ONE_YEAR = 365 * 24 * 3600


@lru_cache(maxsize=256)
def _file_hash(path: str, mtime: float) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]


def register_static_versioning(app: Flask) -> None:
    """Add ?v=<hash> to every url_for('static', ...) and serve static files with long caching."""
    if app.config.get("SEND_FILE_MAX_AGE_DEFAULT") is None:
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = ONE_YEAR

    @app.url_defaults
    def add_static_version(endpoint: str, values: dict) -> None:
        if endpoint != "static" or "filename" not in values or "v" in values:
            return
        path = os.path.join(app.static_folder or "", values["filename"])
        try:
            values["v"] = _file_hash(path, os.path.getmtime(path))
        except OSError:
            return
