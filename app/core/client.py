"""Who is on the other end of a request, as plain data handed from views to services."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClientInfo:
    """The network facts recorded with evidence: address, browser and how the user signed in."""

    ip: str | None = None
    user_agent: str | None = None
    auth_method: str = "password"

    @classmethod
    def system(cls) -> ClientInfo:
        """Facts for actions started from the command line or a background job."""
        return cls(ip=None, user_agent="charte-cli", auth_method="cli")
