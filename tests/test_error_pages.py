"""Error pages look like the app, speak the user's language and lead home; a refusal is logged in one line."""

import io
import logging
import re
import urllib.request

import pytest
from django.test import RequestFactory
from django.utils import translation
from django.views import defaults


def test_a_refused_page_is_styled_and_says_why_even_with_debug_on(client_as, settings):
    settings.DEBUG = True  # the demo runs so: a 403 must not show Django's bare page either
    response = client_as("referrer").get("/journal/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "cellrelay.css" in page
    assert "You may not open this page with your role" in page
    assert 'href="/"' in page


def test_a_refused_page_speaks_french_to_a_french_user(client_as):
    response = client_as("referrer", language="fr").get("/journal/")
    assert response.status_code == 403
    assert "Votre rôle ne vous permet pas d'ouvrir cette page" in response.content.decode()


def test_a_missing_page_is_styled_and_leads_home(client_as):
    response = client_as("coordinator").get("/episodes/999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "cellrelay.css" in page
    assert "This page does not exist" in page
    assert 'href="/"' in page


def test_the_server_error_page_needs_no_request_context():
    request = RequestFactory().get("/")
    with translation.override("fr"):
        page = defaults.server_error(request).content.decode()
    assert "cellrelay.css" in page
    assert "Une erreur est survenue sur le serveur" in page
    assert 'href="/"' in page


@pytest.fixture
def console():
    """What the console handlers configured in settings.LOGGING print for a request's log records."""
    stream = io.StringIO()
    logger, handlers = logging.getLogger("django.request"), []
    while logger:
        handlers += [h for h in logger.handlers if type(h) is logging.StreamHandler]  # not pytest's own
        logger = logger.parent if logger.propagate else None
    previous = [handler.setStream(stream) for handler in handlers]
    yield stream
    for handler, old in zip(handlers, previous):
        handler.setStream(old)


def test_a_refusal_is_logged_in_one_line_without_a_traceback(client_as, settings, console):
    settings.DEBUG = True
    client_as("referrer").get("/journal/")
    logged = console.getvalue()
    assert "Forbidden (Permission denied): /journal/" in logged
    assert "Traceback" not in logged
    assert logged.count("\n") == 1, logged


@pytest.mark.django_db(transaction=True)
def test_the_browser_finds_the_favicon(live_server, client):
    assert re.search(r'<link rel="icon" href="/static/favicon\.svg" type="image/svg\+xml">',
                     client.get("/login/").content.decode())
    with urllib.request.urlopen(f"{live_server.url}/favicon.ico", timeout=10) as response:  # follows the redirect
        assert response.status == 200
        assert response.headers["Content-Type"] == "image/svg+xml"
        assert b"<svg" in response.read()
