"""The Flask class Charte runs on: Flask, with two per-request costs paid once instead."""

from __future__ import annotations

from collections.abc import Callable
from inspect import iscoroutinefunction
from typing import Any

from flask import Flask
from flask.globals import _cv_request

KEPT_AT_MOST = 1024


class CharteFlask(Flask):
    """Flask with two answers that never change kept per process.

    - Flask asks, for each hook, context processor and view of every request, whether it is an
      `async def` (`ensure_sync`, documented as the method to override). About fifteen such
      checks a request, each through `inspect`, were a few per cent of a page that does little
      else; the answer never changes for a function.
    - Every page links its style sheets and icon with `url_for('static', filename=…)`, which
      builds the URL through the router and adds the file's content hash (app/static_files.py,
      a `stat` each time). Outside debug mode the static files do not change while a worker
      runs (a deployment restarts it), so each file's URL is built once per mount point.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._synchronous: dict[Callable[..., Any], bool] = {}
        self._static_urls: dict[tuple[str, str], str] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        synchronous = self._synchronous.get(func)
        if synchronous is None:
            synchronous = not iscoroutinefunction(func)
            if len(self._synchronous) < KEPT_AT_MOST:  # functions registered once: a few hundred
                self._synchronous[func] = synchronous
        return func if synchronous else self.async_to_sync(func)

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        request_context = _cv_request.get(None)
        if (
            endpoint == "static"
            and request_context is not None
            and not self.debug
            and values.keys() == {"filename"}
            and _anchor is None
            and _method is None
            and _scheme is None
            and _external is None
        ):
            key = (values["filename"], request_context.request.script_root)
            url = self._static_urls.get(key)
            if url is None:
                url = super().url_for(endpoint, **values)
                if len(self._static_urls) < KEPT_AT_MOST:
                    self._static_urls[key] = url
            return url
        return super().url_for(
            endpoint,
            _anchor=_anchor,
            _method=_method,
            _scheme=_scheme,
            _external=_external,
            **values,
        )
