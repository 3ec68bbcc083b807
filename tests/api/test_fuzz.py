"""Fuzzing the whole JSON API on a live server with schemathesis, as three personas: no answer is a server error,
and every answer is one the OpenAPI spec documents (status, content type, body schema).

The spec is read where clients read it (/api/openapi.json on the running server). For each operation and persona,
hypothesis draws a bounded number of requests that fit the spec (positive) and that do not (negative): bad input
must be refused with a 4xx, never answered with a 500. Path ids are drawn from the demo hospital's own objects as
well as at random, so that requests reach past the 404. Bounded in examples (``FUZZ_EXAMPLES``), not in time: the
run stays a couple of minutes per database. Every failure is collected before the test fails, so that one run
names them all.
"""

import os

import pytest
import requests
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from schemathesis import GenerationMode

from cellrelay.organisation.models import User
from cellrelay.organisation.services import create_token

# Who fuzzes: the coordinator (patients, staff, shipments), the pharmacist (tanks, products) and a
# manufacturer's system (its own endpoints, a machine role): together they reach every operation past the 403.
PERSONAS = ["coordinator", "pharmacist", "kite-system"]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 8))  # per operation, persona and mode
CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.status_code_conformance,
          schemathesis.checks.content_type_conformance, schemathesis.checks.response_schema_conformance]

pytestmark = pytest.mark.django_db(transaction=True)


@schemathesis.serializer("application/pdf")
def pdf_body(_context, value) -> bytes:
    """A manufacturer's certificate is sent as the PDF's own bytes: whatever was drawn, as bytes."""
    return value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")


def existing_ids() -> dict[str, list[int]]:
    from cellrelay.patients.models import Patient
    from cellrelay.pharmacy.models import Tank
    from cellrelay.products.models import Product, Shipment

    return {"patient_id": list(Patient.objects.values_list("pk", flat=True)),
            "product_id": list(Product.objects.values_list("pk", flat=True)),
            "shipment_id": list(Shipment.objects.values_list("pk", flat=True)),
            "tank_id": list(Tank.objects.values_list("pk", flat=True))}


def load_schema(live_server, ids: dict[str, list[int]]):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/openapi.json")

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        """Half the time, the ids of objects that exist (a random id is nearly always a 404)."""
        known = {name: st.sampled_from(ids[name]) for name in path_parameters or {} if ids.get(name)}
        if not known:
            return st.just(path_parameters)
        return st.one_of(st.just(path_parameters), st.fixed_dictionaries(known).map(
            lambda drawn: {**path_parameters, **drawn}))

    return schema


def fuzz(operation, mode: GenerationMode, session: requests.Session, base_url: str) -> str | None:
    """The first failure of ``EXAMPLES`` requests to one operation, or None."""
    failure: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, phases=[Phase.explicit, Phase.generate], deadline=None, database=None,
              suppress_health_check=list(HealthCheck), derandomize=True)
    def run(case):
        if failure:
            return
        try:
            case.call_and_validate(base_url=base_url, session=session, checks=CHECKS)
        except BaseExceptionGroup as error:  # schemathesis' failures, each with a curl line to replay it
            failure.append(str(error))

    run()
    return failure[0] if failure else None


def test_the_whole_api_answers_as_documented_and_never_with_a_server_error(live_server):
    call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))
    schema = load_schema(live_server, existing_ids())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    failures = []
    for username in PERSONAS:
        _token, raw = create_token(actor=None, user=User.objects.get(username=username), name="fuzz")
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {raw}"
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                found = fuzz(operation, mode, session, live_server.url)
                if found:
                    failures.append(f"== {operation.label} as {username} ({mode.value}) ==\n{found}")
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)
