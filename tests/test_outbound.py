"""The outbound guard: URLs that users give us never reach internal addresses (SSRF)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import LOCAL
from tests.local_http import QuietHandler, local_server
from verkeerstoren.errors import ValidationProblem
from verkeerstoren.outbound import REFUSED, REFUSED_IP, Outbound, RefusedAddress, parse_networks
from verkeerstoren.settings import Settings

STRICT = Outbound()


UNSPECIFIED = "0.0.0.0"  # noqa: S104 - an address to refuse, nothing binds to it


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.1.2.3", "10.0.0.5", "172.16.0.1", "192.168.1.1", "169.254.169.254",
    UNSPECIFIED, "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "100.64.0.1",
    "192.0.2.10", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
])
def test_internal_addresses_are_refused(address: str) -> None:
    assert not STRICT.permits(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_permitted(address: str) -> None:
    assert STRICT.permits(ipaddress.ip_address(address))


def test_the_allow_list_opens_only_its_own_networks() -> None:
    assert LOCAL.permits(ipaddress.ip_address("127.0.0.1"))
    assert LOCAL.permits(ipaddress.ip_address("::1"))
    assert not LOCAL.permits(ipaddress.ip_address("10.0.0.1"))
    assert not LOCAL.permits(ipaddress.ip_address("169.254.169.254"))


def test_the_setting_is_parsed_and_a_bad_network_stops_the_start() -> None:
    assert parse_networks(" 10.1.0.0/16 ,, ::1") == (
        ipaddress.ip_network("10.1.0.0/16"), ipaddress.ip_network("::1/128"))
    assert Settings(outbound_allowed_networks="10.1.0.0/16").outbound.permits(
        ipaddress.ip_address("10.1.2.3"))
    assert Settings().outbound == STRICT
    with pytest.raises(ValueError, match="OUTBOUND_ALLOWED_NETWORKS"):
        Settings(outbound_allowed_networks="10.1.0.0/16, intranet")


def _resolving(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> None:
    """Make the resolver answer ``answers`` for these names (others resolve as usual)."""
    real = socket.getaddrinfo

    def fake(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in answers:
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                     (a, port)) for a in answers[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


# An IP address typed as such is named once (REFUSED_IP), not "127.0.0.1 … (127.0.0.1)".
@pytest.mark.parametrize(("url", "message"), [
    ("http://localhost:8080/beds.csv", REFUSED), ("http://127.0.0.1/", REFUSED_IP),
    ("http://[::1]:9/x", REFUSED_IP), ("http://169.254.169.254/latest/meta-data/", REFUSED_IP),
    ("http://2130706433/", REFUSED), ("https://10.0.0.5/hook", REFUSED_IP),
    ("http://[::ffff:7f00:1]/", REFUSED_IP),
])
def test_saving_an_internal_url_is_refused_with_host_and_address(url: str, message: str) -> None:
    with pytest.raises(ValidationProblem) as caught:
        STRICT.check_url(url)
    assert caught.value.message == message
    assert caught.value.field == "url"
    assert set(caught.value.params) == {"host", "address"}


def test_a_name_with_one_internal_address_among_public_ones_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _resolving(monkeypatch, {"mixed.example": ["93.184.215.14", "10.1.2.3"]})
    with pytest.raises(ValidationProblem) as caught:
        STRICT.check_url("https://mixed.example/beds.csv")
    assert caught.value.params == {"host": "mixed.example", "address": "10.1.2.3"}


def test_a_name_that_does_not_resolve_yet_is_accepted_on_save(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _resolving(monkeypatch, {"public.example": ["93.184.215.14"]})
    STRICT.check_url("https://public.example/beds.csv")
    STRICT.check_url("https://not-yet-registered.invalid/beds.csv")


class _Hello(QuietHandler):
    def do_GET(self) -> None:
        if self.path == "/to-internal":
            self.send_response(302)
            self.send_header("Location", "http://10.255.255.1/secret")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.headers.get("Host", "").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def local_port() -> Iterator[int]:
    with local_server(_Hello) as port:
        yield port


def test_a_connection_to_an_internal_address_is_refused_when_it_is_made(
    local_port: int,
) -> None:
    # No save-time check here: the transport itself refuses (pins the httpx integration).
    with STRICT.client() as client, pytest.raises(RefusedAddress) as caught:
        client.get(f"http://127.0.0.1:{local_port}/")
    assert caught.value.address == "127.0.0.1"
    with LOCAL.client() as client:
        assert client.get(f"http://127.0.0.1:{local_port}/").status_code == 200


def test_a_name_that_resolves_internal_at_use_time_is_refused(
    monkeypatch: pytest.MonkeyPatch, local_port: int,
) -> None:
    """DNS rebinding: public when saved, 127.0.0.1 when fetched."""
    _resolving(monkeypatch, {"rebind.example": ["93.184.215.14"]})
    STRICT.check_url(f"http://rebind.example:{local_port}/")
    _resolving(monkeypatch, {"rebind.example": ["127.0.0.1"]})
    with STRICT.client() as client, pytest.raises(RefusedAddress) as caught:
        client.get(f"http://rebind.example:{local_port}/")
    assert (caught.value.host, caught.value.address) == ("rebind.example", "127.0.0.1")
    # Allowed, the guard connects to the address it checked and keeps the name as Host.
    with LOCAL.client() as client:
        answer = client.get(f"http://rebind.example:{local_port}/")
    assert answer.text == f"rebind.example:{local_port}"


def test_a_redirect_to_an_internal_address_is_refused(local_port: int) -> None:
    with LOCAL.client(follow_redirects=True) as client, pytest.raises(RefusedAddress) as caught:
        client.get(f"http://127.0.0.1:{local_port}/to-internal")
    assert caught.value.address == "10.255.255.1"


def test_environment_proxies_are_not_used(
    monkeypatch: pytest.MonkeyPatch, local_port: int,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    with LOCAL.client() as client:
        assert client.get(f"http://127.0.0.1:{local_port}/").status_code == 200
