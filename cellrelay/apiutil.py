"""What every router of the JSON API shares: its errors, as JSON in the caller's language.

A project-level helper imports no room: who may call an endpoint is the organisation's (``access.guarded``,
the bearer tokens in ``organisation/api.py``).
"""

from enum import StrEnum
import inspect
import json

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.parser import Parser
from ninja.errors import ValidationError as SchemaError

from cellrelay.input_guard import too_large_message


def model_text(model, name: str, default=...):
    """A text field of a schema no longer than the model's column: an over-long string is a 422 naming it (on
    PostgreSQL it would otherwise reach the database). ``default=None`` on a PATCH: absent, but never null."""
    return Field(default, max_length=model._meta.get_field(name).max_length)


class NotJson(Exception):
    """A JSON endpoint was sent another media type (text/plain, a form…): 415, never read as JSON."""


class NotANumber(ValueError):
    """NaN or Infinity, which Python's json reads although no JSON number is one (and no measure can be one);
    its argument is the field that holds it."""


_CONSTANT = object()  # what NaN and Infinity are read as, to be refused naming their field


def _refuse_constants(pairs: list) -> dict:
    for key, value in pairs:
        if value is _CONSTANT or (isinstance(value, list) and any(item is _CONSTANT for item in value)):
            raise NotANumber(key)
    return dict(pairs)


class JsonParser(Parser):
    """A JSON body only under its own media type, and only numbers that are numbers."""

    def parse_body(self, request):
        if request.content_type != "application/json":
            raise NotJson(request.content_type)
        body = json.loads(request.body, parse_constant=lambda name: _CONSTANT, object_pairs_hook=_refuse_constants)
        if body is _CONSTANT:
            raise NotANumber("__all__")
        return body


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
        # ninja answers 400 for any failure of the parser, with the parser's exception as the cause.
        if isinstance(error.__cause__, NotJson):
            return api.create_response(request, {"message": _("Send the body as JSON, with Content-Type: "
                                                              "application/json.")}, status=415)
        if isinstance(error.__cause__, NotANumber):
            return api.create_response(request, {"message": _("The data were not saved."), "errors": {
                str(error.__cause__): [_("Give a number: NaN and Infinity are not numbers.")]}}, status=422)
        if isinstance(error.__cause__, ValueError):
            return api.create_response(request, {"message": _("The body is not valid JSON.")}, status=400)
        if error.status_code == 400 and error.__cause__ is not None:
            return api.create_response(request, {"message": _("The body is not valid JSON.")}, status=400)
        return api.create_response(request, {"message": str(error)}, status=error.status_code)

    @api.exception_handler(RequestDataTooBig)
    def too_large(request, error):
        return api.create_response(request, {"message": too_large_message()}, status=413)
