"""Where webhooks may be sent: public HTTPS addresses only, checked when registered and again,
against a fresh DNS answer, right before each delivery, which then connects to the very address
that was checked (a name that resolves to a public address at registration and to 127.0.0.1 at
delivery, "DNS rebinding", reaches nothing).

The standard library's `ipaddress` classifies addresses, but several of its answers depend on
the Python version (multicast, NAT64, 6to4 and IPv4-compatible IPv6 count as "global" in 3.11),
so the ranges refused are also listed here and the IPv4 address hidden in an IPv6 one is checked
on its own. Host names are read as a browser reads them (WHATWG URL): `127.1`, `0x7f000001`,
`2130706433` and `017700000001` are all 127.0.0.1, never names to look up.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

MAX_URL_LENGTH = 500
TIMEOUT_SECONDS = 10.0

# Refused whatever ipaddress says (IANA special-purpose registries, RFC 6890 and successors).
REFUSED_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",  # "this network", including the unspecified 0.0.0.0
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata services (169.254.169.254)
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
        "::/8",  # unspecified, loopback, IPv4-compatible and other reserved forms
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments, Teredo included
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing
        "fc00::/7",  # unique local (fd00::/8)
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")
SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class RefusedDestination(ValueError):
    """The address may not receive webhooks; the message is for the server log only."""


@dataclass(frozen=True)
class Destination:
    """A checked target: what the request says (scheme, host, port, path) and where it goes."""

    scheme: str
    host: str  # as the receiver sees it in Host and in TLS SNI
    port: int
    path: str  # path and query string
    address: IPAddress  # the checked address the connection goes to, and nowhere else
    # The name's other checked addresses, tried in turn when no connection can be opened to the
    # first one (an IPv6 address first on a host without IPv6, as a resolver may answer).
    fallbacks: tuple[IPAddress, ...] = ()

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def pinned_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        literal = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return f"{self.scheme}://{literal}:{self.port}{self.path}"


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for the name (TCP)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in infos]


# Looked up at each call, so that tests replace it with a stub (they never use real DNS).
resolver: Resolver = system_resolver


def is_public(address: IPAddress) -> bool:
    """Whether the address is reachable on the public internet and nothing else."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return False
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public(embedded)
    if any(
        address in network for network in REFUSED_NETWORKS if network.version == address.version
    ):
        return False
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one leads to: mapped (::ffff:a.b.c.d), NAT64 or 6to4."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in SIX_TO_FOUR:
        return address.sixtofour
    return None


def is_loopback(address: IPAddress) -> bool:
    """127.0.0.0/8 or ::1, also written as an IPv4-mapped IPv6 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _ipv4_part(part: str) -> int:
    """One dot-separated part of a numeric host, in decimal, octal (0…) or hex (0x…)."""
    base, digits = 10, part
    if part[:2].lower() == "0x":
        base, digits = 16, part[2:] or "0"
    elif len(part) > 1 and part.startswith("0"):
        base, digits = 8, part[1:]
    if not digits or not all(ch in "0123456789abcdef"[:base] for ch in digits.lower()):
        raise RefusedDestination(f"not a number: {part!r}")
    return int(digits, base)


def _numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a host written with numbers means (WHATWG URL host parsing), or None
    when the host is a name. A host whose last label is a number is an address or is invalid."""
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    last = parts[-1].lower()
    if not (
        last.isdigit() or (last.startswith("0x") and all(c in "0123456789abcdef" for c in last[2:]))
    ):
        return None
    if len(parts) > 4 or "" in parts:
        raise RefusedDestination(f"invalid IPv4 host {host!r}")
    numbers = [_ipv4_part(part) for part in parts]
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise RefusedDestination(f"IPv4 host out of range {host!r}")
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _literal_address(host: str) -> IPAddress | None:
    """The address a host written as an IP literal means, or None for a name."""
    if ":" in host:
        if "%" in host:
            raise RefusedDestination(f"IPv6 zone in {host!r}")
        try:
            return ipaddress.IPv6Address(host)
        except ValueError as exc:
            raise RefusedDestination(f"invalid IPv6 host {host!r}") from exc
    return _numeric_ipv4(host)


def _host_name(host: str) -> str:
    """The name in the form DNS and TLS use (lower case, IDNA, no final dot), or refused."""
    try:
        name = host.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise RefusedDestination(f"invalid host name {host!r}") from exc
    labels = name.split(".")
    if len(name) > 253 or not all(_HOST_LABEL.match(label) for label in labels):
        raise RefusedDestination(f"invalid host name {host!r}")
    if labels[-1] == "localhost":
        raise RefusedDestination(f"{host!r} is a loopback name")
    return name


def check(
    url: str, *, allow_loopback: bool = False, resolve: Resolver | None = None
) -> Destination:
    """The destination of a webhook URL, or RefusedDestination saying why (for the log).

    https only, to a host whose every address is public. `allow_loopback` (tests and local
    development) also admits http:// and https:// on 127.0.0.1, ::1 and localhost.
    """
    if len(url) > MAX_URL_LENGTH or any(ch.isspace() or ord(ch) < 32 or ch == "\\" for ch in url):
        raise RefusedDestination("malformed URL")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RefusedDestination(f"malformed URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not parts.hostname:
        raise RefusedDestination(f"scheme {scheme!r} or no host")
    if "@" in parts.netloc:
        raise RefusedDestination("credentials in the URL")
    if scheme == "http" and not allow_loopback:
        raise RefusedDestination("http:// without WEBHOOKS_ALLOW_HTTP_LOOPBACK")
    if port == 0:
        raise RefusedDestination("port 0")
    port = port or (443 if scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    literal = _literal_address(parts.hostname)
    if literal is not None:
        host = str(literal)
        addresses: list[IPAddress] = [literal]
    elif allow_loopback and parts.hostname.rstrip(".").lower() == "localhost":
        host, addresses = "localhost", [ipaddress.IPv4Address("127.0.0.1")]
    else:
        host = _host_name(parts.hostname)
        numeric = _numeric_ipv4(host)  # IDNA maps full-width digits and dots to ASCII ones
        if numeric is not None:
            host, addresses = str(numeric), [numeric]
        else:
            addresses = _resolve(host, port, resolve or resolver)

    for address in addresses:
        loopback_allowed = allow_loopback and is_loopback(address)
        if not (loopback_allowed or (scheme == "https" and is_public(address))):
            raise RefusedDestination(f"{host} resolves to a refused address {address}")
    # A mapped address is connected to over IPv4, as the address that was checked.
    pinned = [_unmapped(address) for address in addresses]
    return Destination(
        scheme=scheme,
        host=host,
        port=port,
        path=path,
        address=pinned[0],
        fallbacks=tuple(dict.fromkeys(a for a in pinned[1:] if a != pinned[0])),
    )


def _unmapped(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _resolve(host: str, port: int, resolve: Resolver) -> list[IPAddress]:
    try:
        answers = resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise RefusedDestination(f"{host} does not resolve: {exc}") from exc
    addresses: list[IPAddress] = []
    for answer in answers:
        try:
            address = ipaddress.ip_address(answer)
        except ValueError as exc:  # not an address at all: nothing to trust in this answer
            raise RefusedDestination(f"{host} resolves to {answer!r}") from exc
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise RefusedDestination(f"{host} has no address")
    return addresses


class PinnedAdapter(HTTPAdapter):
    """Connects to the checked address only, while TLS sends the host name (SNI) and checks the
    certificate against it, as if the name had been resolved by the connection itself."""

    def __init__(self, destination: Destination) -> None:
        self.destination = destination
        super().__init__(max_retries=0)

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs):
        if self.destination.scheme == "https":
            pool_kwargs["server_hostname"] = self.destination.host
            pool_kwargs["assert_hostname"] = self.destination.host
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)


def send(
    destination: Destination,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout: float = TIMEOUT_SECONDS,
    verify: bool | str = True,
) -> int:
    """POST to the checked address (no redirect, no proxy from the environment); the status code.

    When no connection can be opened, the next checked address is tried (nothing was sent yet).
    Raises requests.RequestException when no answer came. `verify` is a CA bundle in tests.
    """
    for fallback in destination.fallbacks:
        try:
            return _post(destination, body, headers, timeout=timeout, verify=verify)
        except requests.exceptions.ConnectionError as exc:
            if not _never_connected(exc):
                raise
        destination = replace(destination, address=fallback, fallbacks=())
    return _post(destination, body, headers, timeout=timeout, verify=verify)


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    """Whether the request failed before a connection was open (so before anything was sent)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


def _post(
    destination: Destination,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout: float,
    verify: bool | str,
) -> int:
    with requests.Session() as session:
        session.trust_env = False  # a proxy or .netrc from the environment would bypass the pin
        adapter = PinnedAdapter(destination)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        response = session.post(
            destination.pinned_url,
            data=body,
            headers={**headers, "Host": destination.host_header},
            timeout=timeout,
            allow_redirects=False,
            verify=verify,
            stream=True,  # the receiver's body is never read: only its status matters
        )
        response.close()
        return response.status_code
