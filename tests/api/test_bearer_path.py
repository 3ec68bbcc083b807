"""The bearer-token API calls' short middleware chain (cellrelay/bearer_api.py) keeps what protects them: the
security headers, the request id, the input guard and the token checks; a session cookie gives it no power, and a
session's calls to the API are still checked for CSRF."""

import json

import pytest
from django.test import Client

from cellrelay.organisation.models import User
from tests.pharmacy.helpers import tank_with_positions
from tests.test_csp import assert_strict

pytestmark = pytest.mark.django_db

READING = {"ln2_level_percent": 55.0, "temperature_c": -190.0}


@pytest.fixture
def tank(org):
    return tank_with_positions(org)[0]


def post_reading(client, tank, body=None, **extra):
    return client.post(f"/api/v1/pharmacy/tanks/{tank.pk}/readings", data=json.dumps(body or READING),
                       content_type="application/json", **extra)


def assert_security_headers(response):
    assert_strict(response["Content-Security-Policy"])
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_a_probe_reading_carries_the_security_headers_and_its_request_id(api_as, tank):
    response = post_reading(api_as("tank-probe"), tank, HTTP_X_REQUEST_ID="probe-42")
    assert response.status_code == 201, response.content
    assert_security_headers(response)
    assert response["X-Request-ID"] == "probe-42"
    assert "Set-Cookie" not in response and not response.cookies  # no session, no CSRF cookie


@pytest.mark.parametrize("token, status", [("not-a-token", 401), (None, 404)])
def test_refusals_carry_the_security_headers_too(api_as, token, status):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}") if token else api_as("tank-probe")
    response = client.post("/api/v1/pharmacy/tanks/999999/readings", data=json.dumps(READING),
                           content_type="application/json")
    assert response.status_code == status
    assert_security_headers(response)
    assert response["X-Request-ID"]


def test_a_host_outside_the_allowed_hosts_is_refused(api_as, tank):
    response = post_reading(api_as("tank-probe"), tank, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert not tank.readings.exists()


def test_the_input_guard_still_refuses_what_no_column_could_store(api_as, tank):
    response = post_reading(api_as("tank-probe"), tank, {**READING, "note": "a\x00b"})
    assert response.status_code == 422
    assert "note" in response.json()["errors"]


def test_the_language_is_the_one_accept_language_asks_for(api_as, tank):
    probe = api_as("tank-probe", language="fr")
    response = post_reading(probe, tank, {"ln2_level_percent": 150.0, "temperature_c": -190.0})
    assert response.status_code == 422 and response["Content-Language"] == "fr"
    assert "pourcentage" in json.dumps(response.json(), ensure_ascii=False)
    probe.cookies["django_language"] = "fr"  # a page's language cookie does not choose the API's language
    english = post_reading(probe, tank, {"ln2_level_percent": 150.0, "temperature_c": -190.0},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert english["Content-Language"] == "en" and "percent" in english.json()["errors"]["ln2_level_percent"][0]


def test_a_session_cookie_gives_a_wrong_token_no_power(client_as, tank):
    browser = client_as("pharmacist")  # signed in: its session cookie rides along
    assert post_reading(browser, tank, HTTP_AUTHORIZATION="Bearer not-a-token").status_code == 401
    assert browser.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer not-a-token").status_code == 401


def test_a_valid_token_acts_as_its_holder_whatever_session_rides_along(client_as, api_as):
    browser = client_as("coordinator")
    token = api_as("pharmacist").defaults["HTTP_AUTHORIZATION"]
    response = browser.get("/api/v1/me", HTTP_AUTHORIZATION=token)
    assert response.status_code == 200 and response.json()["username"] == "pharmacist"


def test_a_session_posting_to_the_api_is_still_checked_for_csrf(org, tank):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(User.objects.get(username="pharmacist"))
    assert browser.get("/api/v1/me").status_code == 200  # the session does open the API
    refused = post_reading(browser, tank)
    assert refused.status_code == 403
    assert not tank.readings.exists()


def test_the_api_docs_fetched_with_a_token_keep_their_own_policy(api_as):
    response = api_as("tank-probe").get("/api/docs")
    assert response.status_code == 200
    assert "data:" in response["Content-Security-Policy"]


def test_a_fhir_export_with_a_token_takes_the_same_short_path(api_as):
    """The registries' FHIR calls carry a token too: no session or CSRF cookie, the security headers and the request
    id kept, the language from Accept-Language only."""
    research = api_as("research", language="fr")
    research.cookies["django_language"] = "en"  # a page's language cookie does not choose it
    response = research.get("/fhir/$export?_type=Patient,Foo", HTTP_PREFER="respond-async",
                            HTTP_ACCEPT="application/fhir+json", HTTP_X_REQUEST_ID="registry-7")
    assert response.status_code == 400 and response["Content-Language"] == "fr"
    assert "Type de ressource inconnu" in response.json()["issue"][0]["diagnostics"]
    assert_security_headers(response)
    assert response["X-Request-ID"] == "registry-7"
    assert "Set-Cookie" not in response and not response.cookies
