"""How the permission matrix aims the follow-up room's routes and endpoints (see ROOM_MATRICES in
test_permission_matrix.py): at the world's infused episodes, whose plans the infusion made."""

import datetime as dt

API = "/api/v1/episodes/{episode_id}/followup"


def infused_episode(patient):
    from cellrelay.pathway.models import Episode

    return Episode.objects.filter(patient=patient, milestones__kind="infusion", milestones__status="done").get()


def prepared(world) -> dict:
    """Once per world: for each patient, the infused episode, an escalated call, and the visit the matrix records —
    for the referred patient one assigned to the referring hospital (which its physician records), else the
    treating center's."""
    if "followup" in world:
        return world["followup"]
    from cellrelay.followup import services
    from cellrelay.organisation.models import Membership

    coordinator = Membership.objects.get(user__username="coordinator").user
    per_patient = []
    for patient, _episode, _referral in world["per_patient"]:
        episode = infused_episode(patient)
        plan = episode.follow_up_plan
        if patient.referring_physician_id:
            services.assign_visits(actor=coordinator, plan=plan, codes=["D7"], place="referring")
        call = services.record_call(actor=coordinator, plan=plan, answers={"fever": True})
        per_patient.append({"patient": patient, "episode": episode, "visit": plan.visits.get(code="D7"),
                            "call": call})
    world["followup"] = per_patient
    return per_patient


def targets(name, route, world):
    """The Targets a page route is aimed at, or None when the route is not one of this group's."""
    from tests.organisation.test_permission_matrix import Target

    if not name.startswith("followup:"):
        return None
    rows = prepared(world)
    if name == "followup:worklist":
        return [None]
    if name == "followup:visit_record":
        return [Target({"pk": row["visit"].pk}, patient=row["patient"]) for row in rows]
    if name == "followup:call_acknowledge":
        return [Target({"pk": row["call"].pk}, patient=row["patient"]) for row in rows]
    if name == "followup:finding":  # the response form: every finding form is guarded alike
        return [Target({"pk": row["episode"].pk, "finding": "response"}, patient=row["patient"]) for row in rows]
    return [Target({"pk": row["episode"].pk}, patient=row["patient"]) for row in rows]


def api_cases(method, path, world, username):
    """The ApiCases of an endpoint, or None when the endpoint is not one of this group's."""
    from tests.organisation.test_permission_matrix import ApiCase, Target

    if not path.startswith("/api/v1/episodes/{episode_id}/followup"):
        return None
    referring = username in ("referrer", "referrer2")
    today = dt.date.today().isoformat()
    cases = []
    for row in prepared(world):
        url = path.replace("{episode_id}", str(row["episode"].pk)).replace("{code}", "D7")
        scope = Target({}, patient=row["patient"])
        if method == "get":
            cases.append(ApiCase(url, None, scope, 200))
            continue
        tail, visit = path.removeprefix(API), row["visit"].pk
        body, success = {
            "/visits/{code}": ({"status": "missed"}, 200),
            # Found at the visit the matrix records: a referring physician records at their hospital's visits only.
            "/responses": ({"assessed_on": today, "visit_id": visit, "raw": {
                "deauville_score": 2, "uptake_change": "reduced", "new_lesions": False}}, 201),
            "/blood-counts": ({"sampled_on": today, "anc_per_ul": 900, "visit_id": visit}, 201),
            "/late-effects": ({"kind": "igg", "observed_on": today, "details": {"igg_g_l": 3.2},
                               "visit_id": visit}, 201),
            # The treating center records these: a referring physician who may see the patient is refused (403).
            "/treatments": ({"kind": "new_line", "started_on": today}, 403 if referring else 201),
            # A caller who passes the permission check reaches the date check: a death before D0 is refused (422).
            "/death": ({"died_on": "2000-01-01", "cause": "progression"}, 403 if referring else 422),
            "/calls": ({"answers": {"fever": False}}, 201),
        }[tail]
        cases.append(ApiCase(url, body, scope, success))
    return cases
