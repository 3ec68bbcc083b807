from .access import allowed_actions


def access(request):
    """The actions the signed-in user may perform, for the navigation."""
    user = getattr(request, "user", None)
    return {"allowed": allowed_actions(user) if user is not None else set()}
