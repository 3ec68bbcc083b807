from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import HttpBearer, django_auth

from cellrelay.apiutil import model_text

from . import access, services
from .access import guarded
from .models import Center, Membership, User
from .permissions import Action

router = Router(tags=["organisation"])


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        try:
            user = services.user_for_token(token)
        except services.TokenExpired as expired:
            raise HttpError(401, expired.message()) from None
        if user is not None:
            request.user = user
        return user


AUTH = [BearerToken(), django_auth]  # the whole API's: a bearer token, or the signed-in session


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


class StaffIn(Schema):
    username: str = model_text(User, "username")
    first_name: str = model_text(User, "first_name")
    last_name: str = model_text(User, "last_name")
    email: str = model_text(User, "email", "")
    center_id: int
    role: str
    password: str


class StaffOut(Schema):
    username: str
    full_name: str
    center_id: int
    role: str


def _staff_out(membership) -> dict:
    return {"username": membership.user.username, "full_name": membership.user.get_full_name(),
            "center_id": membership.center_id, "role": membership.role}


@guarded(router.get, "/staff", Action.VIEW_STAFF, response=list[StaffOut])
def list_staff(request):
    """Staff with a role at your centers."""
    memberships = Membership.objects.filter(center_id__in=access.centers_for(request.user, Action.VIEW_STAFF))
    return [_staff_out(m) for m in memberships.select_related("user")]


@guarded(router.post, "/staff", Action.MANAGE_STAFF, response={201: StaffOut})
def add_staff(request, payload: StaffIn):
    """Add a staff member with a role at one of your centers (or at a referring hospital)."""
    data = payload.dict()
    center_id = data.pop("center_id")
    allowed = Center.objects.filter(pk__in=access.centers_for(request.user, Action.MANAGE_STAFF)) | Center.objects.filter(
        kind=Center.Kind.REFERRING)
    center = allowed.filter(pk=center_id).first()
    if center is None:
        raise ValidationError({"center_id": [_("Unknown center, or not one you manage.")]})
    return Status(201, _staff_out(services.add_staff_member(actor=request.user, center=center, **data)))
