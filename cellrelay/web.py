"""Small helpers shared by the pages of every room."""

from django.core.exceptions import ValidationError


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
