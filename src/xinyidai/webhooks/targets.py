"""Where a webhook may be sent: never into the platform's own network (SSRF).

A subscription's host is resolved when the subscription is saved and again at every delivery.
Every address it resolves to must be a public one: private, loopback, link-local, multicast,
reserved and unspecified addresses (IPv4, IPv6 and IPv4-mapped IPv6) are refused. The one
exception is loopback while ``WEBHOOK_ALLOW_HTTP_LOCALHOST`` is on (the demo and the end-to-end
tests run a sandbox bank on 127.0.0.1).

At delivery the connection goes to the address that was checked (the name is not resolved a
second time by the HTTP library), so a name that changes its answer between the check and the
connection (DNS rebinding) cannot slip through. TLS still verifies the certificate against the
host name. Environment proxies are not used.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeTarget(OSError):
    """The host resolves to an address the platform does not send webhooks to."""


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (tests replace this: they never use the network)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _forbidden(address: IPAddress) -> bool:
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def address_refusal(text: str) -> str | None:
    """Why an address may not receive webhooks, or None when it may."""
    try:
        address: IPAddress = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return _("无法识别的地址 %(address)s。") % {"address": text}
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback and settings.WEBHOOK_ALLOW_HTTP_LOCALHOST:
        return None
    if _forbidden(address):
        return _("推送地址解析为内网、本机、链路本地、组播或保留地址 %(address)s，已拒绝。") % {
            "address": text
        }
    return None


def vetted_addresses(host: str, port: int) -> list[str]:
    """The addresses of ``host``, all of them allowed; raises ``UnsafeTarget`` otherwise.

    Raises ``socket.gaierror`` when the name does not resolve."""
    addresses = resolve(host, port)
    if not addresses:
        raise socket.gaierror(_("无法解析主机名 %(host)s。") % {"host": host})
    for address in addresses:
        refusal = address_refusal(address)
        if refusal is not None:
            raise UnsafeTarget(refusal)
    return addresses


def _port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    default = 443 if parts.scheme == "https" else 80
    try:
        port = parts.port or default
    except ValueError:
        port = default
    return parts.hostname or "", port


def check_subscription_url(url: str) -> None:
    """At subscription time: refuse a host that resolves to a forbidden address.

    A name that does not resolve (yet) is accepted: every delivery checks again."""
    host, port = _port(url)
    if not host:
        return
    try:
        vetted_addresses(host, port)
    except UnsafeTarget as refusal:
        raise ValidationError({"url": str(refusal)}, code="unsafe_target") from None
    except (OSError, UnicodeError):
        return


# Delivery: connect to the vetted address ------------------------------------------------------


def _connect(host: str, port: int, timeout: Any, source_address: Any) -> socket.socket:
    error: OSError | None = None
    for address in vetted_addresses(host, port):
        try:
            return socket.create_connection((address, port), timeout, source_address)
        except OSError as exc:
            error = exc
    raise error or OSError(host)


def _source(connection: http.client.HTTPConnection) -> Any:
    return getattr(connection, "source_address", None)


class _VettedHTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        self.sock = _connect(self.host, self.port, self.timeout, _source(self))


class _VettedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self) -> None:
        sock = _connect(self.host, self.port, self.timeout, _source(self))
        context: ssl.SSLContext = self._context  # type: ignore[attr-defined]
        self.sock = context.wrap_socket(sock, server_hostname=self.host)


class _VettedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_VettedHTTPConnection, req)


class _VettedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self) -> None:
        super().__init__()
        self.ssl_context = ssl.create_default_context()

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_VettedHTTPSConnection, req, context=self.ssl_context)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer other than 2xx, not an invitation to post elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def opener() -> urllib.request.OpenerDirector:
    """An opener that connects only to vetted addresses, follows no redirect, uses no proxy."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _VettedHTTPHandler, _VettedHTTPSHandler, _NoRedirects
    )
