"""Integration tests: the suite-wide network guards (tests/network.py) plus a forbidden transport."""

from __future__ import annotations

import pytest

from app.integrations import outbound


@pytest.fixture
def no_connection(monkeypatch) -> list:
    """Replace the HTTP transport with one that fails the test if it is ever called."""
    calls: list = []

    def forbidden(destination, *args, **kwargs):
        calls.append(destination)
        pytest.fail(f"a connection was attempted to {destination}")

    monkeypatch.setattr(outbound, "send", forbidden)
    return calls
