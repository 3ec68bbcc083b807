"""What every router of the JSON API shares: its errors, as JSON in the caller's language.

A project-level helper imports no room: who may call an endpoint is the organisation's (``access.guarded``,
the bearer tokens in ``organisation/api.py``).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.errors import ValidationError as SchemaError


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

    @api.exception_handler(PermissionDenied)
    def forbidden(request, error):
        return api.create_response(request, {"message": _("Your role does not allow this action.")}, status=403)

    @api.exception_handler(Http404)
    def not_found(request, error):
        return api.create_response(request, {"message": _("Not found.")}, status=404)

    @api.exception_handler(HttpError)
    def http_error(request, error):
        return api.create_response(request, {"message": str(error)}, status=error.status_code)
