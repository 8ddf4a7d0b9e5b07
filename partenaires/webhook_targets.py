"""Where webhooks may be sent: public Internet addresses only (no server-side request forgery).

A partner chooses the URL its events are POSTed to. Without a check, a URL whose name resolves to
127.0.0.1, 10.x, 169.254.169.254 (a cloud's metadata service), fe80::… would make the platform call its own
private network on the partner's behalf. So the target is checked twice:

- at registration (`url_refusal`): the scheme, and every address the name resolves to, for a clear 400;
- at each delivery, on the socket actually connected (`post`): a name that resolved to a public address
  at registration and to a private one now (DNS rebinding) is refused before a byte is sent.

Redirects are never followed by the delivery (`allow_redirects=False`): a 3xx answer is a failed attempt.

`settings.SPIE_WEBHOOK_ALLOW_LOCAL_HTTP` (tests, development) lets test servers on this machine receive
events: loopback addresses (127.0.0.0/8, ::1) are then allowed, over plain http too. Private, link-local,
multicast and reserved ranges stay refused whatever the setting.
"""

import ipaddress
import socket
from urllib.parse import urlparse

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

NAT64 = ipaddress.ip_network("64:ff9b::/96")


class ForbiddenTarget(ValueError):
    """The webhook target is not a public address (not an OSError: urllib3 must not retry it elsewhere)."""


def _embedded_ipv4(address):
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64), which is where it really goes."""
    if address.version != 6:
        return None
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_allowed(value) -> bool:
    address = ipaddress.ip_address(value.split("%", 1)[0] if isinstance(value, str) else value)
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return address_allowed(embedded)
    if address.is_loopback:
        return bool(settings.SPIE_WEBHOOK_ALLOW_LOCAL_HTTP)
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_unspecified)


def resolve(host, port):
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def url_refusal(url):
    """Why `url` may not receive webhooks (a French sentence for the partner), or None when it may."""
    parsed = urlparse(url)
    if not parsed.hostname:
        return "L'adresse doit comporter un nom d'hôte."
    if parsed.scheme not in ("https", "http"):
        return "L'adresse doit être en https."
    try:
        addresses = resolve(parsed.hostname, parsed.port or (443 if parsed.scheme == "https" else 80))
    except (OSError, UnicodeError, ValueError):
        addresses = []
    loopback = bool(addresses) and all(ipaddress.ip_address(a.split("%", 1)[0]).is_loopback for a in addresses)
    if parsed.scheme != "https" and not (loopback and settings.SPIE_WEBHOOK_ALLOW_LOCAL_HTTP):
        return "L'adresse doit être en https."
    if not addresses:
        return f"Le nom {parsed.hostname} ne se résout en aucune adresse."
    refused = [address for address in addresses if not address_allowed(address)]
    if refused:
        return (
            f"L'adresse {refused[0]} de {parsed.hostname} est privée, locale ou réservée : "
            "les webhooks ne sont envoyés qu'à des adresses publiques."
        )
    return None


class _CheckedPeer:
    """Refuse the connection when the socket's peer is not an allowed address (checked after connect)."""

    def _new_conn(self):
        sock = super()._new_conn()
        peer = sock.getpeername()[0]
        if not address_allowed(peer):
            sock.close()
            raise ForbiddenTarget(f"adresse interdite {peer}")
        return sock


class _CheckedHTTPConnection(_CheckedPeer, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_CheckedPeer, HTTPSConnection):
    pass


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _CheckedHTTPPool, "https": _CheckedHTTPSPool}


def post(url, **kwargs):
    """requests.post to a checked target, without redirects nor proxies from the environment."""
    refusal = url_refusal(url)
    if refusal:
        raise ForbiddenTarget(refusal)
    with requests.Session() as session:
        session.trust_env = False  # an HTTP(S)_PROXY would be the peer checked, and would reach anything
        adapter = _CheckedAdapter()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session.post(url, **{**kwargs, "allow_redirects": False})
