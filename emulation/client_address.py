"""The address of the person at the other end, as the login throttle sees it.

Behind the reverse proxy the README asks for, REMOTE_ADDR is the proxy's
address for everyone. Each trusted proxy appends the address it received the
request from to X-Forwarded-For, so with N trusted proxies the client's address
is the N-th entry from the right; whatever stands further left was written by
the client and is not believed. With no trusted proxy (TRUSTED_PROXY_COUNT = 0,
a server reached directly) it is REMOTE_ADDR.

django-axes would do this through django-ipware (AXES_IPWARE_PROXY_COUNT), which
is not installed; AXES_CLIENT_IP_CALLABLE is its hook for the same thing.
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < count:
        # Not through every trusted proxy: nothing in the header can be believed.
        return remote
    return forwarded[-count]
