"""The request guard: input that no page or endpoint could store is refused before any of them reads it.

One check for every input (query string, form, JSON body), so that no form, schema or service has to think of it:
- a body over the limit (settings.DATA_UPLOAD_MAX_MEMORY_SIZE, from CELLRELAY_MAX_BODY_MB; an uploaded file may
  add CELLRELAY_MAX_LETTER_MB) is a 413;
- text with a NUL character (PostgreSQL refuses it, SQLite would keep it) or a lone surrogate (no UTF-8 for it:
  the database driver fails) is a 422 naming the field;
- on the API, a value written as a date (ISO, or day-first as typed in French) outside the site's years is a 422
  naming the field, before a schema reads it (beyond them the date arithmetic overflows). A page's form shows a
  wrong date beside its field instead: the services check every date, its years first (validation.py).
The answer is JSON under /api/ ({"message", "errors"} as apiutil's), a page otherwise, in the user's language.
"""

import json
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _

from cellrelay.validation import out_of_range_message, year_in_range

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
ISO_DATE = re.compile(r"(\d{4,})-(\d{2})-(\d{2})(?:[T ][\d:.]*(?:Z|[+-]\d{2}:?\d{2})?)?")
DAY_FIRST_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4,})(?: [\d:]*)?")
# Bodies that carry a file (a referral letter, a certificate of analysis) may be larger by a file's limit.
FILE_BODIES = {"multipart/form-data", "application/pdf"}
MB = 1024 * 1024


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _too_large(request):
            return _refusal(request, 413, {})
        try:
            problems = _problems(request)
        except RequestDataTooBig:  # a body sent without its length, found too large while reading it
            return _refusal(request, 413, {})
        if problems:
            return _refusal(request, 422, problems)
        return self.get_response(request)


def too_large_message() -> str:
    size = round(settings.DATA_UPLOAD_MAX_MEMORY_SIZE / MB, 1)
    return _("The request is too large: at most %(size)s MB.") % {"size": f"{size:g}"}


def _too_large(request) -> bool:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return False
    if request.content_type in FILE_BODIES:
        limit += int(settings.CELLRELAY_MAX_LETTER_MB * MB)
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > limit
    except ValueError:
        return False


def _problems(request) -> dict[str, list[str]]:
    """Field → messages, for every value of the query string, the form and the JSON body."""
    problems: dict[str, list[str]] = {}
    # A page's form says a wrong date beside its field (the services check every date, validation.py).
    check = _Check(problems, dates=_is_api(request))
    for data in (request.GET, request.POST if request.method == "POST" else QueryDict()):
        for name, values in data.lists():
            check("__all__", name)  # a parameter's name is stored too: the read journal keeps the query string
            for value in values:
                check(name, value)
    if request.content_type == "application/json" and request.body:
        try:
            body = json.loads(request.body)
        except ValueError:
            return problems  # the API's parser answers that the body is not JSON
        _walk("", body, check)
    return problems


def _walk(path: str, value, check) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            check(path or "__all__", key)
            _walk(f"{path}.{key}" if path else str(key), item, check)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(f"{path}.{index}" if path else str(index), item, check)
    elif isinstance(value, str):
        check(path or "__all__", value)


class _Check:
    """Adds to ``problems`` what is wrong with one value of a field."""

    def __init__(self, problems: dict, *, dates: bool):
        self.problems, self.dates = problems, dates

    def __call__(self, field: str, value: str) -> None:
        if UNSTORABLE.search(value):
            self.problems.setdefault(field, []).append(_(
                "This text contains a character that cannot be stored (a null or broken character): type it again."))
        elif self.dates and _date_out_of_range(value):
            self.problems.setdefault(field, []).append(out_of_range_message())


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _date_out_of_range(value: str) -> bool:
    if match := ISO_DATE.fullmatch(value.strip()):
        year, month, day = (int(part) for part in match.groups())
    elif match := DAY_FIRST_DATE.fullmatch(value.strip()):
        day, month, year = (int(part) for part in match.groups())
    else:
        return False
    return 1 <= month <= 12 and 1 <= day <= 31 and not year_in_range(year)


def _refusal(request, status: int, problems: dict[str, list[str]]):
    if status == 413:
        message = too_large_message()
    else:
        message = _("The data were not saved.")
    if _is_api(request):
        return JsonResponse({"message": message, "errors": problems} if problems else {"message": message},
                            status=status)
    return render(request, "input_refused.html", {"message": message, "problems": problems}, status=status)
