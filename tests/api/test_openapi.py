"""The OpenAPI spec tells clients the truth: each enum's own values under its own name, and every error an
operation can answer, with the one error body the API sends."""

from enum import Enum
import typing

import pytest
from django.test import Client
from ninja import Schema

from cellrelay.api import api
from cellrelay.patients.models import Consent, Contact

SPEC = api.get_openapi_schema()
COMPONENTS = SPEC["components"]["schemas"]
OPERATIONS = [(method.upper(), path, operation) for path, methods in SPEC["paths"].items()
              for method, operation in methods.items()]


def resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = COMPONENTS[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def enum_of(component: str, field: str) -> list[str]:
    return resolve(COMPONENTS[component]["properties"][field])["enum"]


def test_consents_and_contacts_publish_their_own_kinds():
    assert enum_of("ConsentIn", "kind") == list(Consent.Kind.values)
    assert enum_of("ContactIn", "kind") == list(Contact.Kind.values)
    assert enum_of("ConsentOut", "kind") == list(Consent.Kind.values)
    assert enum_of("ContactOut", "kind") == list(Contact.Kind.values)
    assert enum_of("ConsentIn", "status") == list(Consent.Status.values)


def schemas_of_the_api() -> list[type[Schema]]:
    found, waiting = [], list(Schema.__subclasses__())
    while waiting:
        schema = waiting.pop()
        waiting += schema.__subclasses__()
        if schema.__module__.startswith("cellrelay."):
            found.append(schema)
    return found


def enums_in(annotation) -> list[type[Enum]]:
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [annotation]
    return [enum for argument in typing.get_args(annotation) for enum in enums_in(argument)]


def test_no_two_enums_of_the_api_share_a_name_and_each_publishes_its_own_values():
    by_name: dict[str, set] = {}
    for schema in schemas_of_the_api():
        for field in schema.model_fields.values():
            for enum in enums_in(field.annotation):
                by_name.setdefault(enum.__name__, set()).add(enum)
    assert by_name, "no enum found: the walk over the API's schemas is broken"
    shared = {name: sorted(e.__qualname__ for e in enums) for name, enums in by_name.items() if len(enums) > 1}
    assert shared == {}
    for name, (enum,) in by_name.items():
        if name in COMPONENTS:
            assert COMPONENTS[name]["enum"] == [member.value for member in enum], name


@pytest.mark.parametrize("method, path, operation", OPERATIONS, ids=[f"{m} {p}" for m, p, _o in OPERATIONS])
def test_every_operation_documents_its_errors_with_the_error_body(method, path, operation):
    responses = {int(status): response for status, response in operation["responses"].items()}
    expected = {401, 403}
    if operation.get("parameters") or "requestBody" in operation:
        expected.add(422)
    if "{" in path:
        expected.add(404)
    if "requestBody" in operation:
        expected |= {400, 413, 415}
    assert expected <= set(responses)
    for status in responses:
        if status >= 400:
            body = resolve(responses[status]["content"]["application/json"]["schema"])
            assert body["title"] == "ErrorOut"
            assert body["required"] == ["message"]
            assert body["properties"]["errors"]["additionalProperties"]["items"]["type"] == "string"


@pytest.mark.django_db
def test_a_call_without_a_token_answers_the_documented_error_in_the_callers_language():
    response = Client(HTTP_ACCEPT_LANGUAGE="fr").get("/api/v1/patients")
    assert response.status_code == 401
    assert response.json() == {"message": "Connectez-vous, ou envoyez un jeton valide sous la forme "
                                          "« Authorization: Bearer <jeton> »."}


def test_the_spec_served_is_the_one_checked(client):
    assert client.get("/api/openapi.json").json()["paths"].keys() == SPEC["paths"].keys()
