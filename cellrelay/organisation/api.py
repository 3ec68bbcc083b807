from ninja import Router, Schema

from cellrelay.apiutil import guarded

from . import access
from .permissions import Action

router = Router(tags=["organisation"])


class MembershipOut(Schema):
    center_id: int
    center: str
    role: str


class MeOut(Schema):
    username: str
    full_name: str
    memberships: list[MembershipOut]
    actions: list[str]


@guarded(router.get, "/me", Action.USE_API, response=MeOut)
def me(request):
    """Who the token belongs to, their roles and what they may do."""
    user = request.user
    return {
        "username": user.get_username(),
        "full_name": user.get_full_name(),
        "memberships": [{"center_id": m.center_id, "center": m.center.name, "role": m.role}
                        for m in access.memberships(user)],
        "actions": sorted(access.allowed_actions(user)),
    }
