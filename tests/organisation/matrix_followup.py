"""How the permission matrix aims the follow-up room's routes (see ROOM_MATRICES in test_permission_matrix.py)."""


def targets(name, route, world):
    """The Targets a page route is aimed at, or None when the route is not one of this group's."""
    from tests.organisation.test_permission_matrix import Target

    if name == "followup:alert_card":  # there is a card from the infusion on: the world's infused episodes
        return [Target({"pk": infused_episode(p).pk}, patient=p) for p, _e, _r in world["per_patient"]]
    return None


def infused_episode(patient):
    from cellrelay.pathway.models import Episode

    return Episode.objects.filter(patient=patient, milestones__kind="infusion", milestones__status="done").get()


def api_cases(method, path, world, username):
    return None
