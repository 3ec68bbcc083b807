"""Small helpers shared by the pages of every room."""

from django.core.exceptions import ValidationError
from django.urls import reverse


def posted(request):
    """The submitted data on a POST (even an empty one), None otherwise: the form is then unbound."""
    return request.POST if request.method == "POST" else None


def run_service(form, call):
    """Run a service call for a bound, valid form; its ValidationErrors land beside the fields.

    Returns the service's result, or None when it refused (the form then carries the messages).
    """
    try:
        return call()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return None


def live_errors(form) -> dict:
    """What a live validation shows (templates/_live_errors.html): each field's errors once something is typed
    in it (a field not filled in yet is no error while the user is still typing), and the form's own errors."""
    form.is_valid()

    def typed(field) -> bool:
        return bool((form.data.get(form.add_prefix(field.name)) or "").strip())

    return {"form_errors": form.non_field_errors(),
            "fields": [(field, field.errors if typed(field) else []) for field in form.visible_fields()]}


def url_for_each(name: str):
    """``reverse(name, args=[pk])`` for the many rows of a list at the price of one reversal: the URL reversed once
    with a marker in place of the primary key, which each row's key then replaces."""
    marker = 2_147_483_647
    head, tail = reverse(name, args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"
