"""The Flask class Charte runs on: Flask, with its async check made once per function."""

from __future__ import annotations

from collections.abc import Callable
from inspect import iscoroutinefunction
from typing import Any

from flask import Flask


class CharteFlask(Flask):
    """Flask asks, for each hook, context processor and view of every request, whether it is an
    `async def` (`ensure_sync`, documented as the method to override). About fifteen such checks
    a request, each through `inspect`, were a few per cent of a page that does little else; the
    answer never changes for a function, so it is worked out once per function."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._synchronous: dict[Callable[..., Any], bool] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        synchronous = self._synchronous.get(func)
        if synchronous is None:
            synchronous = not iscoroutinefunction(func)
            if len(self._synchronous) < 4096:  # functions registered once: a few hundred
                self._synchronous[func] = synchronous
        return func if synchronous else self.async_to_sync(func)
