"""How the permission matrix aims the manufacturing routes (see ROOM_MATRICES in test_permission_matrix.py)."""


def targets(name, route, world):
    """The Targets a page route is aimed at, or None when the route is not one of this group's."""
    return None


def api_cases(method, path, world, username):
    """The ApiCases of an endpoint, or None when the endpoint is not one of this group's."""
    return None
