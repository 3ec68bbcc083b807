"""The lean path of the API's bearer-token calls (issue #14): a probe's reading, a hospital system's call, a registry's
FHIR export.

A request to /api/ or /fhir/ that carries ``Authorization: Bearer …`` is no browser session: it needs no session, no
CSRF check, no messages, no idle timeout, no second factor, no lockout, no htmx, and no language but the one its
Accept-Language asks for. ``BearerApiMiddleware``, placed just after Django's SecurityMiddleware, sends such a
request down a short chain of its own (``settings.BEARER_API_MIDDLEWARE``) instead of the rest of ``MIDDLEWARE``.
The profile of a journaled write showed the skipped middleware at about a tenth of the server's CPU.

What stays, for every request: Django's SecurityMiddleware (before the switch), the security headers of every
response (``ApiResponseHeaders``: the same Content-Security-Policy, built once; X-Frame-Options), the request id,
the read journal and the input guard. The token checks are the API's own (``organisation.api.BearerToken``).

A bearer request never gets a session's powers: its cookies are not read, so a wrong or expired token is a 401 even
when a signed-in session's cookie rides along (ninja's session fallback sees an anonymous user). A request without
a bearer token (the pages' htmx, the API docs in a browser) takes the whole chain, CSRF check included. The FHIR
endpoints authenticate the same tokens themselves (``registry.fhir_views.fhir_user``) and never read a session.
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string
from django.utils.translation.trans_real import get_supported_language_variant, language_code_re, \
    parse_accept_lang_header

BEARER_PREFIXES = ("/api/", "/fhir/")  # the JSON API and FHIR Bulk Data: machines' calls, with a token


def is_bearer_api_call(request) -> bool:
    """An API or FHIR call authenticated by a bearer token (the scheme's name is case-insensitive, as ninja reads
    it)."""
    if not request.path_info.startswith(BEARER_PREFIXES):
        return False
    scheme, _space, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


class BearerApiMiddleware:
    """Sends a bearer API call down ``settings.BEARER_API_MIDDLEWARE``; every other request down the rest of
    ``MIDDLEWARE``."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.lean = _LeanChain().chain

    def __call__(self, request):
        if is_bearer_api_call(request):
            request.user = AnonymousUser()  # until the token names its holder; no session is looked at
            return self.lean(request)
        return self.get_response(request)


class _LeanChain(BaseHandler):
    """Django's own request handling (URL resolution, view middleware, exceptions to responses) around the short
    middleware list: ``BaseHandler.load_middleware`` reads ``MIDDLEWARE``, this reads BEARER_API_MIDDLEWARE. Sync
    only, as the app is served (gunicorn sync workers, the test client)."""

    def __init__(self):
        super().__init__()
        self._view_middleware, self._template_response_middleware, self._exception_middleware = [], [], []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(settings.BEARER_API_MIDDLEWARE):
            middleware = import_string(path)(handler)
            if middleware is None:
                raise ImproperlyConfigured(f"Middleware factory {path} returned None.")
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_template_response"):
                self._template_response_middleware.append(middleware.process_template_response)
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self.chain = handler


class ApiResponseHeaders:
    """What the skipped middleware gave an API response and it still needs: the language of its messages from
    Accept-Language only (LocaleMiddleware also reads the URL, the cookie and the session), the
    Content-Security-Policy (the settings' policy, built once rather than per response; a view that changes it with
    django-csp's decorators gets it built as CSPMiddleware builds it), X-Frame-Options and Content-Length; and the
    Host header checked against ALLOWED_HOSTS."""

    def __init__(self, get_response):
        from csp.constants import HEADER, HEADER_REPORT_ONLY
        from csp.middleware import CSPMiddleware

        self.get_response = get_response
        self.csp = CSPMiddleware(get_response)
        self.csp_headers = [(HEADER, _policy(report_only=False)), (HEADER_REPORT_ONLY, _policy(report_only=True))]
        self.frame_options = getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()

    def __call__(self, request):
        request.get_host()  # a Host outside ALLOWED_HOSTS is a 400, as CommonMiddleware makes it for every page
        language = language_from_header(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        if any(name.startswith("_csp_") for name in vars(response)):
            self.csp.process_response(request, response)
        else:
            for name, value in self.csp_headers:
                if value and name not in response:
                    response[name] = value
        if not getattr(response, "xframe_options_exempt", False):
            response.headers.setdefault("X-Frame-Options", self.frame_options)
        if not response.streaming and "Content-Length" not in response:  # as CommonMiddleware sets it
            response.headers["Content-Length"] = str(len(response.content))
        return response


def _policy(*, report_only: bool) -> str:
    """The site's policy as CSPMiddleware writes it on a response that no decorator changed and with no nonce."""
    from dataclasses import asdict

    from csp.middleware import PolicyParts
    from csp.utils import build_policy

    return build_policy(**asdict(PolicyParts()), report_only=report_only)


def language_from_header(header: str) -> str:
    """The first supported language of an Accept-Language header (as LocaleMiddleware reads it), or the site's."""
    for code, _quality in parse_accept_lang_header(header):
        if code == "*":
            break
        if not language_code_re.search(code):
            continue
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return get_supported_language_variant(settings.LANGUAGE_CODE)
