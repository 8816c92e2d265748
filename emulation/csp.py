"""django-csp's middleware with its headers' text built once (#17).

django-csp builds the Content-Security-Policy header from the settings on
every response, and the report-only one too: 2% of a sheet's save at the
deadline peak. This app uses neither nonces nor the per-view decorators
(csp_update, csp_replace, csp_exempt), so every answer carries the same
text: it is built once per settings, by django-csp's own `build_policy`.
A request that used a nonce, a response that carries a policy of its own or
an exemption, a response that already has the header, excluded URL prefixes
and DEBUG's error pages go through django-csp's own way.
"""

from functools import cache

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponseBase

# What a per-view decorator sets on its response (django-csp's decorators).
_OWN_POLICY = tuple(
    f"_csp_{part}{ro}" for part in ("config", "update", "replace", "exempt") for ro in ("", "_ro")
)
_SETTINGS = ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY", "DEBUG")


class PolicyMiddleware(CSPMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        policy, report_only = _policies()
        if (
            policy is None
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _OWN_POLICY)
            or HEADER in response
            or HEADER_REPORT_ONLY in response
        ):
            return super().process_response(request, response)
        if policy:
            response[HEADER] = policy
        if report_only:
            response[HEADER_REPORT_ONLY] = report_only
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


@cache
def _policies() -> tuple[str | None, str]:
    """The two headers' text; None for the policy where it cannot be fixed
    (DEBUG's error pages go without it, excluded URL prefixes)."""
    both = [getattr(settings, name, None) or {} for name in _SETTINGS[:2]]
    if settings.DEBUG or any(policy.get("EXCLUDE_URL_PREFIXES") for policy in both):
        return None, ""
    return build_policy(), build_policy(report_only=True)


def _settings_changed(setting: str, **kwargs) -> None:
    if setting in _SETTINGS:
        _policies.cache_clear()


setting_changed.connect(_settings_changed, dispatch_uid="csp-policies")
