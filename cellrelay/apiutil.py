"""What every router of the JSON API shares: its errors, as JSON in the caller's language.

A project-level helper imports no room: who may call an endpoint is the organisation's (``access.guarded``,
the bearer tokens in ``organisation/api.py``).
"""

from enum import StrEnum
import inspect

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError


class ErrorOut(Schema):
    """Every error the API answers: a sentence in the caller's language, and the fields' own errors if any."""

    message: str
    errors: dict[str, list[str]] = {}


def documented_errors(response, endpoint, *, method: str, path: str) -> dict:
    """``response`` (one schema, or a dict by status) with the error statuses the endpoint can answer, so that
    clients see them in the OpenAPI spec. Every endpoint needs a signed-in caller (401) allowed its action (403);
    one that takes parameters or a body can be refused them (422); one that names an object, in its path or by an
    ``…_id`` field of its body, can find none (404); a body can be unreadable (400), too large (413) or of a type
    the API does not read (415)."""
    documented = dict(response) if isinstance(response, dict) else {200: response}
    inputs = list(inspect.signature(endpoint).parameters.values())[1:]  # after the request
    sends_body = method.lower() in ("post", "put", "patch")
    names_an_object = "{" in path or any(
        name.endswith("_id") for parameter in inputs for name in getattr(parameter.annotation, "model_fields", {}))
    errors = [401, 403]
    if inputs or sends_body:
        errors.append(422)
    if names_an_object:
        errors.append(404)
    if sends_body:
        errors += [400, 413, 415]
    for status in errors:
        documented.setdefault(status, ErrorOut)
    return documented


def api_choices(name: str, choices) -> type[StrEnum]:
    """A model's choices as an enum named for the API. OpenAPI names an enum after its class, and Django's nested
    classes share short names (Consent.Kind and Contact.Kind): the spec would give both one list of values."""
    return StrEnum(name, {member.name: member.value for member in choices})


def install_error_handlers(api) -> None:
    """Errors are JSON with a message in the caller's language, and field errors where there are some."""

    @api.exception_handler(ValidationError)
    def service_refused(request, error):
        fields = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        return api.create_response(request, {"message": _("The data were not saved."), "errors": fields}, status=422)

    @api.exception_handler(SchemaError)
    def schema_refused(request, error):
        fields: dict[str, list[str]] = {}
        for problem in error.errors:
            location = [str(part) for part in problem.get("loc", []) if part not in ("body", "query", "path", "payload")]
            fields.setdefault(".".join(location) or "__all__", []).append(problem.get("msg", ""))
        return api.create_response(request, {"message": _("The data were not saved."), "errors": fields}, status=422)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, error):
        return api.create_response(
            request, {"message": _("Sign in, or send a valid token as “Authorization: Bearer <token>”.")}, status=401)

    @api.exception_handler(PermissionDenied)
    def forbidden(request, error):
        return api.create_response(request, {"message": _("Your role does not allow this action.")}, status=403)

    @api.exception_handler(Http404)
    def not_found(request, error):
        return api.create_response(request, {"message": _("Not found.")}, status=404)

    @api.exception_handler(HttpError)
    def http_error(request, error):
        message = str(error)
        if error.status_code == 400 and error.__cause__ is not None:
            message = _("The body is not valid JSON.")  # ninja's parser failed on it (its own words are English)
        return api.create_response(request, {"message": message}, status=error.status_code)
