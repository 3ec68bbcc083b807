"""The permission table, checked over every page and every API endpoint, for every persona.

The expected answer is computed from `PERMISSIONS` and the scoping rule, never written by hand:
no permission → 403; a patient the persona may not see → 404; otherwise success.
"""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from cellrelay.api import api
from cellrelay.organisation.models import ApiToken, Membership
from cellrelay.organisation.permissions import PERMISSIONS, Action, Role
from cellrelay.patients.models import Patient

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = {"login", "logout", "set_language", "api:openapi-json", "api:openapi-view"}
PERSONAS = ["coordinator", "haematologist", "pharmacist", "apheresis", "wardnurse", "icu", "neurologist",
            "research", "manager", "admin", "referrer", "referrer2", "outsider"]


def walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern), pattern.callback


def pages():
    return [(name, route, view) for name, route, view in walk(get_resolver().url_patterns)
            if not name.startswith("api:") or name in PUBLIC_PAGES]


def role_of(username):
    membership = Membership.objects.filter(user__username=username).first()
    return Role(membership.role)


def expected_status(username, action, patient, success):
    if Action(action) not in PERMISSIONS[role_of(username)]:
        return 403
    if patient is not None and not expected_visible(username, patient):
        return 404
    return success


def expected_visible(username, patient):
    """The scoping rule, restated: own treating center, or a referring physician's own referrals."""
    membership = Membership.objects.get(user__username=username)
    if membership.role == Role.REFERRING_PHYSICIAN:
        return patient.referring_physician_id == membership.user_id
    return membership.center_id == patient.treating_center_id and Action.VIEW_PATIENT in PERMISSIONS[Role(membership.role)]


def test_every_page_names_its_action():
    unnamed = [name for name, _route, view in pages()
               if name not in PUBLIC_PAGES and getattr(view, "required_action", None) is None]
    assert unnamed == []


@pytest.mark.parametrize("username", PERSONAS)
def test_pages(username, client_as, patient, referred_patient):
    client = client_as(username)
    user = Membership.objects.get(user__username=username).user
    token = ApiToken.objects.create(user=user, name="t", key_hash=f"{username:x<64}"[:64], hint="x")
    wrong = []
    for name, route, view in pages():
        if name in PUBLIC_PAGES:
            continue
        action = view.required_action
        targets = [patient, referred_patient] if "<int:pk>" in route and name.startswith("patients:") else [None]
        for target in targets:
            if name == "organisation:token_revoke":
                url = "/" + route.replace("<int:pk>", str(token.pk))
                response = client.post(url)
                success = 302
            else:
                url = "/" + route.replace("<int:pk>", str(target.pk) if target else "0")
                response = client.get(url)
                success = 302 if name == "home" else 200
            want = expected_status(username, action, target, success)
            if response.status_code != want:
                wrong.append(f"{url}: got {response.status_code}, want {want}")
    assert wrong == []


def test_pages_send_anonymous_visitors_to_login(client, patient):
    for name, route, view in pages():
        if name in PUBLIC_PAGES:
            continue
        url = "/" + route.replace("<int:pk>", str(patient.pk))
        response = client.post(url) if name == "organisation:token_revoke" else client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def operations():
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def example_body(method, path, username):
    """A valid body for each writing endpoint, so that only the permission decides."""
    if method == "post" and path == "/api/v1/patients":
        return {"family_name": f"Api{username}", "given_names": "Test", "birth_date": "1970-01-01", "sex": "F",
                "treating_center_id": None}
    if method == "patch":
        return {"version": None, "city": f"City {username}"}
    if path.endswith("/consents"):
        return {"kind": "registry", "status": "given", "decided_on": "2026-01-01"}
    if path.endswith("/contacts"):
        return {"kind": "caregiver", "name": "Anne", "phone": "0600000000"}
    if path == "/api/v1/staff":
        return {"username": f"new-{username}", "first_name": "New", "last_name": "Person", "center_id": None,
                "role": "ward_nurse", "password": "a-long-enough-password-7"}
    raise AssertionError(f"no example body for {method.upper()} {path}: add one")


def test_every_endpoint_names_its_action():
    assert [f"{m} {p}" for m, p, op in operations() if "x-required-action" not in op] == []


@pytest.mark.parametrize("username", PERSONAS)
def test_api(username, api_as, org, patient, referred_patient):
    client = api_as(username)
    wrong = []
    for method, path, operation in operations():
        action = operation["x-required-action"]
        targets = [patient, referred_patient] if "{patient_id}" in path else [None]
        for target in targets:
            url = path.replace("{patient_id}", str(target.pk) if target else "")
            body = None if method == "get" else example_body(method, path, username)
            if body and "version" in body:
                body["version"] = Patient.objects.get(pk=target.pk).version
            own_center = Membership.objects.get(user__username=username).center
            if body and "center_id" in body:
                body["center_id"] = own_center.pk
            if body and "treating_center_id" in body:
                body["treating_center_id"] = own_center.pk if own_center.kind == "treating" else org["treating"].pk
            response = getattr(client, method)(url, data=json.dumps(body) if body else None,
                                               content_type="application/json")
            want = expected_status(username, action, target, 201 if method == "post" else 200)
            if response.status_code != want:
                wrong.append(f"{method.upper()} {url}: got {response.status_code} {response.content[:120]!r}, want {want}")
    assert wrong == []


def test_api_without_a_valid_token_is_refused(client, patient):
    for method, path, _operation in operations():
        url = path.replace("{patient_id}", str(patient.pk))
        response = getattr(client, method)(url, HTTP_AUTHORIZATION="Bearer not-a-token", content_type="application/json")
        assert response.status_code == 401, url
