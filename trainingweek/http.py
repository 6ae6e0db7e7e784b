"""The client's address, the one way every part of trainingweek finds it.

Behind the TLS proxy the README recommends, ``REMOTE_ADDR`` is the proxy's
address for every request. django-axes (lockouts keyed on username and
address), the personal-data access log and anything else that records who
came from where call :func:`client_address`; axes is pointed at it by
``AXES_CLIENT_IP_CALLABLE``, so all of them agree on one answer.
"""

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip


def ipware_options(trusted_proxy_count: int) -> dict:
    """The ipware settings for ``trusted_proxy_count`` reverse proxies in front
    of the app (the README's TLS proxy: 1; none: 0).

    Each proxy appends the address it was connected from to X-Forwarded-For,
    so the nearest proxy is ``REMOTE_ADDR`` and never in the header; ipware's
    ``proxy_count`` counts only the proxies named in the header after the
    client, hence one less. With no proxy the header is whatever the client
    typed, so only ``REMOTE_ADDR`` is read.

    >>> ipware_options(0)
    {'AXES_IPWARE_PROXY_COUNT': 0, 'AXES_IPWARE_META_PRECEDENCE_ORDER': ('REMOTE_ADDR',)}
    >>> ipware_options(2)["AXES_IPWARE_PROXY_COUNT"]
    1
    """
    if trusted_proxy_count < 0:
        raise ValueError("TRUSTED_PROXY_COUNT cannot be negative")
    if trusted_proxy_count == 0:
        return {"AXES_IPWARE_PROXY_COUNT": 0, "AXES_IPWARE_META_PRECEDENCE_ORDER": ("REMOTE_ADDR",)}
    return {
        "AXES_IPWARE_PROXY_COUNT": trusted_proxy_count - 1,
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ("HTTP_X_FORWARDED_FOR",),
    }


def client_address(request: HttpRequest) -> str | None:
    """The address the request came from, as the configured proxies report it.

    Addresses a client put in front of X-Forwarded-For itself are skipped: the
    client is counted from the right, where the trusted proxies wrote. A
    request that reached the app without passing a proxy (a health check from
    inside the compose network) has no header and keeps ``REMOTE_ADDR``.
    """
    address, _routable = get_client_ip(
        request,
        proxy_order="left-most",
        proxy_count=settings.AXES_IPWARE_PROXY_COUNT,
        request_header_order=settings.AXES_IPWARE_META_PRECEDENCE_ORDER,
        # Not strict: a spoofed extra entry on the left must not make the whole
        # header (and so the real client) be ignored.
        strict=False,
    )
    return address or request.META.get("REMOTE_ADDR") or None
