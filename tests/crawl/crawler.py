"""A small breadth-first crawler for a live cellrelay server, signed in as one person.

It sees the app as that person's browser does: real HTTP, real cookies, real middleware and
transactions. Links are the ``href`` of anchors and the ``hx-get`` of htmx elements; documents (PDF,
calendar, CSV, images) are fetched and checked but not parsed for links. Nothing is ever posted
except the login form, so walking the app changes no record (reads are journaled, as they should be).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request

# Links a crawl must not follow: they act (sign out, switch language) or leave the site.
SKIPPED_PREFIXES = ("/logout/", "/i18n/", "/static/", "/api/docs", "/api/openapi.json")
SKIPPED_SCHEMES = ("mailto:", "tel:", "javascript:", "data:")

DOCUMENT_TYPES = {
    "application/pdf": b"%PDF",
    "text/calendar": b"BEGIN:VCALENDAR",
    "text/csv": b"",
    "image/svg+xml": b"",
    "image/png": b"\x89PNG",
}


@dataclass
class Page:
    url: str
    status: int
    content_type: str
    body: bytes
    found_on: str
    depth: int


@dataclass
class Links(HTMLParser):
    """The followable links of a page and its visible text nodes (script, style and template content excluded, and
    text that is not prose in the page's language: `<code>` identifiers, a `<span lang="en">` proper name such as
    a registry's English form name)."""

    hrefs: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    _hidden_depth: int = 0
    _spans: list[bool] = field(default_factory=list)  # for each open <span>: whether it hides its text

    def __post_init__(self):
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in {"script", "style", "template", "textarea", "code"}:
            self._hidden_depth += 1
        if tag == "span":
            foreign = bool(attributes.get("lang")) and not attributes["lang"].startswith("fr")
            self._spans.append(foreign)
            self._hidden_depth += foreign
        if tag == "a" and attributes.get("href"):
            self.hrefs.append(attributes["href"])
        if attributes.get("hx-get"):
            self.hrefs.append(attributes["hx-get"])

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template", "textarea", "code"} and self._hidden_depth:
            self._hidden_depth -= 1
        if tag == "span" and self._spans and self._spans.pop():
            self._hidden_depth -= 1

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self._hidden_depth:
            self.texts.append(text)


def parse(body: bytes) -> Links:
    parser = Links()
    parser.feed(body.decode("utf-8", errors="replace"))
    parser.close()
    return parser


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are recorded, not followed blindly: a redirect to the login page is a lost session."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Session:
    """One person's browser: a cookie jar, a language, and GET/POST against the live server."""

    def __init__(self, base_url: str, language: str):
        self.base_url = base_url.rstrip("/")
        self.language = language
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect)

    def request(self, path: str, data: dict | None = None, headers: dict | None = None):
        """(status, content type, body, Location) of one request, redirects not followed."""
        encoded = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=encoded,
                                         headers={"Accept-Language": self.language, **(headers or {})})
        if encoded is not None:
            request.add_header("Referer", self.base_url + path)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.headers.get_content_type(), response.read(), None
        except urllib.error.HTTPError as error:
            return (error.code, error.headers.get_content_type(), error.read(), error.headers.get("Location"))

    def get_following(self, path: str, limit: int = 5):
        """GET, following same-site redirects; (final path, status, type, body)."""
        for _ in range(limit):
            status, kind, body, location = self.request(path)
            if status in (301, 302, 303, 307, 308) and location:
                path = _same_site_path(self.base_url, path, location)
                if path is None:
                    return location, status, kind, body
                continue
            return path, status, kind, body
        raise AssertionError(f"redirect loop from {path}")

    def csrf_token(self) -> str:
        return next(c.value for c in self.cookies if c.name == "csrftoken")

    def log_in(self, username: str, password: str) -> str:
        """Sign in through the login form like a person; the path the person lands on."""
        _path, status, _kind, body = self.get_following("/login/")
        assert status == 200, f"login page answered {status}"
        status, _kind, body, location = self.request(
            "/login/", {"username": username, "password": password, "csrfmiddlewaretoken": self.csrf_token()})
        assert status == 302 and location, f"{username} could not sign in ({status})"
        landing, status, _kind, _body = self.get_following(_same_site_path(self.base_url, "/login/", location))
        assert status == 200, f"{username} landed on {landing} with {status}"
        return landing


def _same_site_path(base_url: str, current: str, href: str) -> str | None:
    """The path (with query) of a link if it stays on this server, else None."""
    absolute = urllib.parse.urljoin(base_url + current, href)
    parts = urllib.parse.urlsplit(absolute)
    if f"{parts.scheme}://{parts.netloc}" != base_url:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def followable(base_url: str, current: str, href: str) -> str | None:
    href = href.strip()
    if not href or href.startswith("#") or href.lower().startswith(SKIPPED_SCHEMES):
        return None
    path = _same_site_path(base_url, current, href.split("#")[0])
    if path is None or path.startswith(SKIPPED_PREFIXES):
        return None
    return path


def crawl(session: Session, start: str, *, max_depth: int, max_pages: int):
    """Every page reachable from ``start`` within ``max_depth`` clicks, breadth first, each fetched once."""
    seen = {start}
    queue = deque([(start, "(landing page)", 0)])
    while queue and len(seen) <= max_pages:
        path, found_on, depth = queue.popleft()
        status, kind, body, location = session.request(path)
        page = Page(path, status, kind, body, found_on, depth)
        if status in (301, 302, 303, 307, 308) and location:
            target = _same_site_path(session.base_url, path, location)
            page.body = (target or location).encode()
            yield page
            if target and target not in seen and not target.startswith("/login/"):
                seen.add(target)
                queue.append((target, path, depth))
            continue
        yield page
        if status != 200 or kind != "text/html" or depth >= max_depth:
            continue
        for href in parse(body).hrefs:
            target = followable(session.base_url, path, href)
            if target and target not in seen:
                seen.add(target)
                queue.append((target, path, depth + 1))
