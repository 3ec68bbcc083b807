"""The id of the request being served, for journal entries (per request, never shared)."""

from contextvars import ContextVar

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")
