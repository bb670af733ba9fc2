"""The outbound-request policy: every HTTP request the server makes on a tenant's behalf.

Webhook deliveries and the Discourse connector (and anything later that fetches a URL a tenant or
a manager typed) go through ``outbound_session``. A request is refused unless:

- its URL is http:// or https:// and carries no user name or password;
- the address its host resolves to is public: not loopback, private, link-local, multicast,
  reserved, unspecified or CG-NAT, nor an IPv6 form that wraps one of those (IPv4-mapped,
  IPv4-compatible, 6to4, NAT64).

The address is checked when the connection is opened and the connection is pinned to the checked
address (the Host header, TLS SNI and the certificate check still use the name), so a DNS answer
that changes between check and connection cannot lead anywhere else. Redirects are checked again
on every hop, and credentials never follow a redirect to another host. Hosts listed in
``settings.OUTBOUND_ALLOWED_HOSTS`` (``host`` or ``host:port``) are let through even if private:
an operator's own forum on the office network, the tests' servers on loopback.

Resolving and pinning is requests-hardened's ``IPFilterAdapter`` (Saleor's, kept up to date with
urllib3); this module adds the allow list, a stricter address test and the redirect rules.

Connections that are not HTTP (a mailbox's SMTP and IMAP servers) take their address from
``checked_address``: the same checks and allow list, resolved once, connected to that address.

What a tenant may read about a refused or failed request is ``outbound_failure``'s one line,
"refused: …" or "failed: …": never the network's own words (errno, "Connection refused", the
resolved address), so a delivery log cannot be used to map the operator's network.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import EXTRA_BLOCKED_NET_RANGES, InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter
from urllib3.util import Retry

SCHEMES = {"http": 80, "https": 443}
MAX_REDIRECTS = 5
DEFAULT_TIMEOUT = (10, 30)  # seconds to connect, seconds between bytes of the answer
# Headers that carry a credential. requests drops Authorization itself when a redirect changes
# host, but not a service's own header such as Discourse's Api-Key.
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "api-key", "api-username"})

NOT_WEB = "only http:// and https:// addresses are allowed"
WITH_CREDENTIALS = "the address must not hold a user name or password"
LOCALHOST = "localhost is this server itself"
PRIVATE = "the address is on a loopback, private, link-local or reserved network"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class OutboundRefused(requests.RequestException):
    """The policy refused the URL or the address its host resolves to; ``reason`` says which."""

    def __init__(self, reason: str, *, request=None):
        super().__init__(reason, request=request)
        self.reason = reason


def parse_allowed_host(entry: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``[v6]`` or ``[v6]:port`` as (host, port or None); ValueError if not."""
    text = entry.strip().lower()
    if text.count(":") > 1 and not text.startswith("["):
        text = f"[{text}]"  # a bare IPv6 address
    try:
        parts = urlsplit(f"//{text}")
        host, port = parts.hostname, parts.port
    except ValueError:
        host = None
    if not host or parts.path or parts.query or "@" in parts.netloc:
        raise ValueError(f"must be host or host:port, got {entry!r}")
    return host.rstrip("."), port


@lru_cache(maxsize=8)
def _allowed(entries: tuple[str, ...]) -> frozenset[tuple[str, int | None]]:
    return frozenset(parse_allowed_host(entry) for entry in entries)


def host_is_allowed(host: str, port: int) -> bool:
    """Whether the operator allows ``host`` (a name or a literal address, as the URL writes it)."""
    # Connectors also run outside a configured project (a file read in a notebook): nothing allowed.
    entries = getattr(settings, "OUTBOUND_ALLOWED_HOSTS", ()) if settings.configured else ()
    allowed = _allowed(tuple(entries))
    host = host.lower().rstrip(".")
    return (host, None) in allowed or (host, port) in allowed


def literal_address(host: str) -> Address | None:
    """The address ``host`` names without asking DNS, as the resolver would read it (it also takes
    2130706433, 0x7f.1 and 0177.0.0.1 for 127.0.0.1); None for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, UnicodeError):
        return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, IPv4-compatible, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if int(address) >> 32 == 0 or address in NAT64:  # ::a.b.c.d (IPv4-compatible), 64:ff9b::a.b.c.d
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_is_refused(address: Address) -> bool:
    """Whether the policy refuses a connection to ``address``.

    Stricter than requests-hardened's own test, which is applied too: Python's ``is_private``
    misses IPv4-compatible forms (::127.0.0.1) and site-local IPv6 (fec0::/10).
    """
    if address.version == 6:
        embedded = _embedded_ipv4(address)
        if embedded is not None and address_is_refused(embedded):
            return True
        if address.is_site_local:
            return True
    if any(address in network for network in EXTRA_BLOCKED_NET_RANGES):
        return True
    return not address.is_global or any(
        (address.is_multicast, address.is_reserved, address.is_link_local, address.is_loopback,
         address.is_unspecified, address.is_private)
    )  # fmt: skip


def outbound_url_refusal(url: str) -> str | None:
    """Why the policy refuses ``url`` before any name is resolved, or None if it may be tried.

    Refuses what no DNS answer can make acceptable: another scheme, credentials in the URL,
    ``localhost`` and its subdomains, and literal addresses in a refused range. A name is judged
    only at connection time, by the address it resolves to then.
    """
    try:
        parts = urlsplit(url.strip())
        scheme, host, port = parts.scheme.lower(), parts.hostname, parts.port
    except ValueError:
        return "it is not a valid address"
    if scheme not in SCHEMES:
        return NOT_WEB
    if "@" in parts.netloc:
        return WITH_CREDENTIALS
    if not host:
        return "the address names no host"
    host = host.rstrip(".")
    if host_is_allowed(host, port or SCHEMES[scheme]):
        return None
    if host == "localhost" or host.endswith(".localhost"):
        return LOCALHOST
    address = literal_address(host)
    if address is not None and address_is_refused(address):
        return PRIVATE
    return None


def checked_address(host: str, port: int) -> str:
    """The address to open a non-HTTP connection to (SMTP, IMAP), after the policy's checks.

    ``host`` is resolved once and the caller connects to the address returned, not to the name
    again (its TLS still checks the certificate against the name), so a DNS answer that changes
    in between cannot lead anywhere else. Raises ``OutboundRefused`` for ``localhost`` or a
    refused address unless the operator allows ``host`` (or ``host:port``); lets
    ``socket.gaierror`` through when the name does not resolve.
    """
    host = host.strip().lower().rstrip(".")
    allowed = host_is_allowed(host, port)
    if not allowed and (host == "localhost" or host.endswith(".localhost")):
        raise OutboundRefused(LOCALHOST)
    # The first answer is the one connected to, as socket.create_connection would try first.
    _, _, _, _, sockaddr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    address = sockaddr[0]
    if not allowed and address_is_refused(ipaddress.ip_address(address.split("%")[0])):
        raise OutboundRefused(PRIVATE)
    return address


class _PolicyAdapter(IPFilterAdapter):
    """requests-hardened's resolving, pinning adapter, with the operator's allow list and our
    stricter address test applied to the address it pinned (no second lookup)."""

    def __init__(self, *, is_https_proto: bool, max_retries: Retry | None = None):
        super().__init__(is_https_proto=is_https_proto)
        if max_retries is not None:  # requests' own HTTPAdapter parameter, which IPFilterAdapter does not pass on
            self.max_retries = Retry.from_int(max_retries)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        parts = urlsplit(request.url)
        if host_is_allowed(parts.hostname or "", parts.port or SCHEMES.get(parts.scheme, 0)):
            return HTTPAdapter.build_connection_pool_key_attributes(self, request, verify, cert)
        try:
            host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        except InvalidIPAddress:
            raise OutboundRefused(PRIVATE, request=request) from None
        if address_is_refused(ipaddress.ip_address(host_params["host"].strip("[]"))):
            raise OutboundRefused(PRIVATE, request=request)
        return host_params, pool_kwargs


class OutboundSession(HTTPSession):
    """A requests session that applies the policy to every request and every redirect hop."""

    def __init__(
        self, *, follow_redirects: bool, credential_headers: Iterable[str] = (), max_retries: Retry | None = None
    ):
        super().__init__(
            Config(
                ip_filter_enable=False,  # our adapter, mounted below, does the filtering
                ip_filter_allow_loopback_ips=False,
                never_redirect=not follow_redirects,
                default_timeout=DEFAULT_TIMEOUT,
            )
        )
        self.mount("http://", _PolicyAdapter(is_https_proto=False, max_retries=max_retries))
        self.mount("https://", _PolicyAdapter(is_https_proto=True, max_retries=max_retries))
        self.max_redirects = MAX_REDIRECTS
        # No proxies or .netrc from the environment: a proxy would resolve the name again (past
        # the pinning), and .netrc would attach credentials the caller never chose to send.
        self.trust_env = False
        # That also drops requests' CA-bundle variables; an operator's own CA is kept all the same.
        self.verify = (getattr(settings, "OUTBOUND_CA_BUNDLE", None) if settings.configured else None) or True
        self.credential_headers = CREDENTIAL_HEADERS | {name.lower() for name in credential_headers}

    def send(self, request, **kwargs):
        # Every hop of a redirect comes through here: a Location of another scheme, with
        # credentials or naming a refused address is refused like the first URL.
        refusal = outbound_url_refusal(request.url)
        if refusal is not None:
            raise OutboundRefused(refusal, request=request)
        return super().send(request, **kwargs)

    def rebuild_auth(self, prepared_request, response):
        if self.should_strip_auth(response.request.url, prepared_request.url):
            for name in [name for name in prepared_request.headers if name.lower() in self.credential_headers]:
                del prepared_request.headers[name]
        super().rebuild_auth(prepared_request, response)


def outbound_session(
    *, follow_redirects: bool = False, credential_headers: Iterable[str] = (), max_retries: Retry | None = None
) -> OutboundSession:
    """A session for requests made on a tenant's behalf. ``credential_headers`` names the caller's
    own secret headers (beyond Authorization, Cookie and Discourse's), dropped on a redirect to
    another host. ``max_retries``: urllib3's ``Retry`` for each request (none by default); every
    attempt goes to the address the policy checked (the connection pool is pinned to it)."""
    return OutboundSession(
        follow_redirects=follow_redirects, credential_headers=credential_headers, max_retries=max_retries
    )


def outbound_failure(error: BaseException) -> str:
    """The one line a tenant may read about a request that did not complete."""
    if isinstance(error, OutboundRefused):
        return f"refused: {error.reason}"
    if isinstance(error, requests.Timeout):
        return "failed: timed out"
    if isinstance(error, requests.TooManyRedirects):
        return "failed: too many redirects"
    if isinstance(error, requests.exceptions.SSLError):
        return "failed: the TLS connection or its certificate could not be verified"
    if isinstance(error, requests.ConnectionError):
        return "failed: could not connect"
    return "failed: the request could not be completed"


def outbound_detail(error: BaseException) -> str:
    """The network's own account of a failure, for the server log only: the innermost cause, which
    names the host and port but not the URL's path or query (a webhook URL's path may be its
    secret, as Slack's are)."""
    reason = error.args[0] if error.args else error
    reason = getattr(reason, "reason", None) or reason  # urllib3's MaxRetryError wraps the cause
    return f"{type(error).__name__}: {reason}"
