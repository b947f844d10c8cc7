"""Who a request comes from, behind reverse proxies.

Sign-in throttling, the anonymous download quota and the audit log count by client address.
Behind a reverse proxy every request arrives from the proxy's address, so five failed
sign-ins anywhere would lock everyone out. The proxy says who the client was in
``X-Forwarded-For``; that header is believed only from a configured proxy
(``SOCMAP_TRUSTED_PROXIES``), and only through the configured number of proxies
(``SOCMAP_PROXY_COUNT``: the client is that many addresses from the right, as werkzeug's
ProxyFix takes it), because anyone reaching the app directly could write whatever they like
there. A request from any other address keeps its own address.

The direct peer's address is kept in the environ (:data:`PEER`): the trusted single-sign-on
header is accepted only from a proxy, whatever X-Forwarded-For says.
"""

from __future__ import annotations

from werkzeug.middleware.proxy_fix import ProxyFix

from geo.settings import Settings

PEER = "socmap.peer"  # the address the connection came from, before any proxy header


class ClientAddress:
    """WSGI middleware: ``REMOTE_ADDR`` becomes the client's address when the peer is a
    trusted proxy (ProxyFix with ``x_for`` and ``x_proto`` set to the proxy count); the peer's
    own address is always in ``environ[PEER]``."""

    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        hops = settings.proxy_count
        self.behind = ProxyFix(app, x_for=hops, x_proto=hops) if hops else None

    def __call__(self, environ, start_response):
        peer = environ.get("REMOTE_ADDR") or ""
        environ[PEER] = peer
        if self.behind is not None and self.settings.is_trusted_proxy(peer):
            return self.behind(environ, start_response)
        return self.app(environ, start_response)


def peer_address(environ) -> str:
    """The direct peer of a request (a proxy's address when it came through one)."""
    return environ.get(PEER) or environ.get("REMOTE_ADDR") or ""
