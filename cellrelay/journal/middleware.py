import re
import uuid

from . import reads
from .context import current_request_id

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Gives every request an id (the caller's X-Request-ID when sane), echoed in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = current_request_id.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class ReadJournalMiddleware:
    """Writes one journal entry per response naming the patients it showed (``cellrelay.journal.reads``), after the
    view, inside the request's id. A server error showed nothing, and its connection may be unusable: not journaled."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        collector, token = reads.collect()
        try:
            response = self.get_response(request)
        finally:
            reads.finish(token)
        if response.status_code < 500:
            reads.write(collector, page=request.path, query=reads.query_of(request.GET))
        return response
