"""Outbound HTTP to addresses our users give us (scheduled pulls, webhooks): never internal.

A provider registers the URL. Without a guard it could make the server fetch from or post to
127.0.0.1, the cloud metadata service (169.254.169.254) or the hospital network behind the
server (server-side request forgery). So the host is checked when the URL is saved (a clear
error) and again at every connection: the guarded transport resolves the name itself, refuses
when *any* of its addresses is internal, and connects to an address it checked. A DNS answer
that changes between save and use (rebinding), or a redirect to an internal address, is
therefore refused too.

Refused: every address that is not globally routable — loopback, private, link-local,
multicast, reserved, unspecified, shared (100.64/10) and the documentation ranges — also
when written as an IPv4-mapped IPv6 address. Development and tests reach local servers
through an allow-list of networks (``VERKEERSTOREN_OUTBOUND_ALLOWED_NETWORKS``).

Outbound clients made here ignore the environment's proxy settings: through a proxy the
connection would go to the proxy's address and the target could not be checked.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from verkeerstoren.errors import ValidationProblem

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

REFUSED = ("the address {host} points to an internal network address ({address}); "
           "only addresses on the public internet are allowed")
# An IP address typed as such: naming it twice ("127.0.0.1 points to … (127.0.0.1)") read as
# a glitch.
REFUSED_IP = ("the address {host} is on an internal network; only addresses on the public "
              "internet are allowed")


class RefusedAddress(Exception):
    """A connection to an internal address was refused (deliberately not an httpx error, so
    it is not mistaken for an unreachable server)."""

    def __init__(self, host: str, address: str) -> None:
        self.host = host
        self.address = address
        super().__init__(f"{host} resolves to internal address {address}")

    def problem(self, field: str = "url") -> ValidationProblem:
        message = REFUSED_IP if _same_address(self.host, self.address) else REFUSED
        return ValidationProblem(field, message, params={"host": self.host,
                                                         "address": self.address})


def _same_address(host: str, address: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")) == ipaddress.ip_address(address)
    except ValueError:
        return False


def parse_networks(text: str) -> tuple[Network, ...]:
    """``"127.0.0.0/8, ::1"`` → networks; raises ValueError naming a bad entry."""
    networks: list[Network] = []
    for item in (part.strip() for part in text.split(",")):
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError as exc:
                raise ValueError(f"not an IP network: {item!r}") from exc
    return tuple(networks)


def _is_public(address: IPAddress) -> bool:
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return False
    if address.is_loopback or address.is_link_local or address.is_private:
        return False
    return address.is_global


@dataclass(frozen=True)
class Outbound:
    """The policy for outbound requests; the default refuses every internal address."""

    allowed: tuple[Network, ...] = ()

    @classmethod
    def from_networks(cls, text: str) -> Outbound:
        return _policy(text)

    def permits(self, address: IPAddress) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in self.allowed):
            return True
        return _is_public(address)

    def resolve(self, host: str, port: int) -> list[str]:
        """Every address of ``host``, in resolver order; RefusedAddress if any is internal.

        Raises OSError when the name does not resolve.
        """
        try:
            found: Iterable[str] = [str(ipaddress.ip_address(host.strip("[]")))]
        except ValueError:
            found = [str(info[4][0]) for info in socket.getaddrinfo(
                host, port, type=socket.SOCK_STREAM)]
        addresses: list[str] = []
        for text in found:
            address = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone
            if not self.permits(address):
                raise RefusedAddress(host, str(address))
            if text not in addresses:
                addresses.append(text)
        return addresses

    def check_url(self, url: str) -> None:
        """On save: refuse a URL whose host is, or resolves to, an internal address.

        A name that does not resolve now is accepted: every connection is checked again.
        """
        try:
            parts = urlsplit(url)
            host = parts.hostname
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        except ValueError:
            return  # the caller's own syntax check reports a malformed URL
        if not host:
            return
        try:
            self.resolve(host, port)
        except RefusedAddress as refused:
            raise refused.problem() from None
        except (OSError, UnicodeError):
            return

    def client(self, **options: Any) -> httpx.Client:
        """An httpx client whose every connection goes through this policy."""
        return httpx.Client(transport=GuardedTransport(self), **options)


@cache
def _policy(text: str) -> Outbound:
    return Outbound(parse_networks(text))


class _GuardedBackend(httpcore.SyncBackend):
    """Resolves and checks the host, then connects to a checked address (never re-resolves).

    TLS still verifies the certificate against the host name: httpcore passes the origin's
    name, not the address we connect to, as the server name.
    """

    def __init__(self, outbound: Outbound) -> None:
        self._outbound = outbound

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        try:
            addresses = self._outbound.resolve(host, port)
        except OSError as exc:  # the name does not resolve: an ordinary connect error
            raise httpcore.ConnectError(str(exc)) from exc
        failure: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address,
                                           socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with the guarded network backend (and no proxy)."""

    def __init__(self, outbound: Outbound) -> None:
        super().__init__(trust_env=False)
        # httpx has no public way to choose the network backend, so the pool it built is
        # replaced by one that connects through the guard. tests/test_outbound.py checks that
        # an internal address is refused at connection time, so an httpx change shows up.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0,  # httpx's
            network_backend=_GuardedBackend(outbound),
        )
