"""How the app sits in its deployment: which proxies to believe, and a rate-limit store that
every worker shares.

TRUSTED_PROXIES says which X-Forwarded-For / X-Forwarded-Proto headers to believe: a number of
proxy hops (werkzeug's ProxyFix), or a list of networks (below). Without it those headers are
ignored: the client address is the TCP peer's. Everything that uses the client address (the IP
recorded with evidence, rate-limit keys, the session list) reads `request.remote_addr`, so it
follows this one setting.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(raw: str | None) -> int | list[Network]:
    """TRUSTED_PROXIES as a hop count or a list of networks ("" or "0": trust none).

    Raises ValueError with a readable message for anything else."""
    raw = (raw or "").strip()
    if not raw:
        return 0
    if raw.isdigit():
        return int(raw)
    networks = []
    for item in raw.replace(";", ",").replace(" ", ",").split(","):
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError as exc:
                raise ValueError(
                    f"TRUSTED_PROXIES: {item!r} is neither a number of proxies nor a network "
                    "(e.g. 1, or 10.0.0.0/8,fd00::/8)"
                ) from exc
    return networks


class TrustedNetworkProxies:
    """Believe X-Forwarded-For only as far back as the hops that come from trusted networks.

    werkzeug's ProxyFix counts hops; a network list is what deployments with several or changing
    proxy hops know (nginx's `set_real_ip_from` with `real_ip_recursive`). Reading right to left,
    each address added by a trusted proxy is taken as the next peer; the first peer outside the
    trusted networks is the client. Addresses a client wrote to the left are never reached.
    """

    def __init__(self, app: Callable[..., Any], networks: Iterable[Network]) -> None:
        self.app = app
        self.networks = tuple(networks)

    def _trusted(self, address: str | None) -> bool:
        try:
            ip = ipaddress.ip_address((address or "").strip())
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        return any(ip in network for network in self.networks)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        peer = environ.get("REMOTE_ADDR")
        if self._trusted(peer):
            original = {
                "REMOTE_ADDR": peer,
                "wsgi.url_scheme": environ.get("wsgi.url_scheme"),
            }
            hops = [h.strip() for h in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")]
            client = peer
            while hops and self._trusted(client):
                hop = hops.pop()
                try:
                    client = str(ipaddress.ip_address(hop))
                except ValueError:
                    break  # garbage where an address should be: stop at the last good peer
            environ["REMOTE_ADDR"] = client
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
            environ["werkzeug.proxy_fix.orig"] = original
        return self.app(environ, start_response)


def install_proxy_handling(app: Flask) -> None:
    """Wrap the app so that forwarded headers count only from the configured proxies."""
    try:
        trusted = parse_trusted_proxies(app.config.get("TRUSTED_PROXIES"))
    except ValueError as exc:
        raise RuntimeError(str(exc)) from exc
    if isinstance(trusted, int):
        if trusted:
            # Address and scheme only: the host comes from CHARTE_BASE_URL or the Host header.
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted)  # type: ignore[method-assign]
    elif trusted:
        app.wsgi_app = TrustedNetworkProxies(app.wsgi_app, trusted)  # type: ignore[method-assign]


def configured_workers(app: Flask) -> int:
    """How many processes serve the app: WEB_WORKERS in the config, else CHARTE_WORKERS (set
    by gunicorn.conf.py from the worker count gunicorn really uses), else WEB_CONCURRENCY, else 1.
    """
    for value in (
        app.config.get("WEB_WORKERS"),
        os.environ.get("CHARTE_WORKERS"),
        os.environ.get("WEB_CONCURRENCY"),
    ):
        if value is not None and str(value).strip().isdigit():
            return int(value)
    return 1


def shared_rate_limit_problem(app: Flask) -> str | None:
    """Why the rate limits would not hold (each worker counting for itself), or None."""
    uri = (app.config.get("RATELIMIT_STORAGE_URI") or "memory://").strip()
    workers = configured_workers(app)
    if uri.startswith("memory://") and workers > 1:
        return (
            f"RATELIMIT_STORAGE_URI is {uri} (each process counts for itself) with {workers} "
            "workers: sign-in and other limits would let through up to "
            f"{workers} times their value. Set RATELIMIT_STORAGE_URI=redis://… (shared by every "
            "worker), or run one worker."
        )
    return None


def check_rate_limit_store(app: Flask) -> None:
    """Production refuses to start when the rate-limit counters are not shared by its workers;
    elsewhere the problem is logged at start (and the admin page shows it)."""
    problem = shared_rate_limit_problem(app)
    if problem is None:
        return
    if app.config.get("CHARTE_ENV") == "production":
        raise RuntimeError(problem)
    log.warning("WARNING: %s", problem)
