"""Logging helpers named in settings.LOGGING."""

import logging


class ClientErrorsOnOneLine(logging.Filter):
    """A refused (403) or missing (404) page is the user's mistake, not ours: one line, no traceback.

    Django logs a 403 with the PermissionDenied attached, which printed a whole traceback for every
    refusal and buried the real errors (5xx keep theirs).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if 400 <= getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
