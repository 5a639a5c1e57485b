"""Network guards of the whole suite: no real DNS, no traffic beyond loopback.

Every test gets (through tests/conftest.py) a stub resolver for webhook host names (answers from
a table, never from DNS) and a guard on `socket.getaddrinfo`: a lookup of anything but a loopback
literal fails the test. That is the network rule: tests talk to 127.0.0.1 / ::1 only.
"""

from __future__ import annotations

import socket

import pytest

from app.integrations import outbound

# A public-looking address nothing here ever connects to (the transport fails the test if called).
PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"
LOOPBACK_LITERALS = {"127.0.0.1", "::1", "localhost"}


class StubResolver:
    """Host name → answers; a name given several answers gets the next one at each lookup
    (the last one repeats), which is how a DNS-rebinding server behaves."""

    def __init__(self) -> None:
        self.answers: dict[str, list[list[str]]] = {
            "hooks.example.com": [[PUBLIC_V4]],
            "hooks6.example.com": [[PUBLIC_V6, PUBLIC_V4]],
        }
        self.lookups: list[str] = []

    def set(self, host: str, *answers: list[str]) -> None:
        self.answers[host] = [list(answer) for answer in answers]

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        queue = self.answers.get(host)
        if not queue:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return queue.pop(0) if len(queue) > 1 else list(queue[0])


@pytest.fixture(autouse=True)
def resolver(monkeypatch) -> StubResolver:
    """The resolver webhooks use, for every test."""
    stub = StubResolver()
    monkeypatch.setattr(outbound, "resolver", stub)
    return stub


@pytest.fixture(autouse=True)
def no_real_dns(monkeypatch):
    """Fail on any system lookup of a name that is not a loopback literal."""
    real = socket.getaddrinfo
    violations: list[str] = []

    def guarded(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and str(name) not in LOOPBACK_LITERALS:
            violations.append(str(name))
            raise socket.gaierror(socket.EAI_NONAME, f"test tried to resolve {name!r}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    yield
    assert violations == [], f"real DNS lookups attempted: {violations}"
