"""/api/v1/pharmacy: the tanks' readings, posted by a probe (or any system of the pharmacy).

A probe's account has the role ``tank_probe`` at its center and may do nothing else: list the tanks it may
post to, and post a reading. Both call the same service as the typed reading of the pages.
"""

from datetime import datetime
from decimal import Decimal

from django.db import connections
from django.http import Http404
from ninja import Field, Router, Schema, Status

from cellrelay.organisation.access import guarded
from cellrelay.organisation import access
from cellrelay.organisation.permissions import Action
from cellrelay.written_out import columns, prepared_cursor

from .models import Tank, TankReading
from .services import storage

router = Router(tags=["pharmacy"])
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1


class ReadingIn(Schema):
    # Optional in the schema, so that a missing value is refused by the service with its own message.
    ln2_level_percent: Decimal | None = Field(None, description="The LN2 level, in percent (0-100).")
    temperature_c: Decimal | None = Field(None, description="The temperature in the tank, in °C.")


class AlarmOut(Schema):
    id: int
    kind: str = Field(description="“level” (LN2 below the tank's lowest level) or “temperature” (above its "
                                  "highest temperature).")


class ReadingOut(Schema):
    id: int
    tank_id: int
    at: datetime
    alarms: list[AlarmOut]


class TankOut(Schema):
    id: int
    name: str
    center_id: int
    center: str
    ln2_min_level_percent: Decimal
    max_temperature_c: Decimal


def _tank_for(user, tank_id: int) -> Tank:
    """The tank when it is at one of the user's centers where they may post readings; 404 otherwise."""
    if not BIGINT_MIN <= tank_id <= BIGINT_MAX:  # no such key: the ORM says so too, a driver would fail instead
        raise Http404("no such tank")
    tank = _tank(tank_id)
    if tank is None or tank.center_id not in access.centers_for(user, Action.RECORD_TANK_READING):
        raise Http404("no such tank")
    return tank


def _tank(tank_id: int) -> Tank | None:
    """``Tank.objects.filter(pk=tank_id).first()``, written out: every probe's reading runs it, and the ORM spent more
    CPU compiling it than the database answering (issue #14)."""
    connection = connections[Tank.objects.db]
    tank = columns(Tank, "t", connection)
    with prepared_cursor(connection) as cursor:
        cursor.execute(f"SELECT {tank.sql} FROM {connection.ops.quote_name(Tank._meta.db_table)} t WHERE t.id = %s",
                       [tank_id])
        row = cursor.fetchone()
    return None if row is None else tank.instance(row)


def _source(user, tank: Tank) -> str:
    """“probe” for the probe's account at the tank's center, “typed” for a person posting."""
    if access.can(user, Action.POST_AS_PROBE, tank.center_id):
        return TankReading.Source.PROBE
    return TankReading.Source.TYPED


@guarded(router.post, "/tanks/{tank_id}/readings", Action.RECORD_TANK_READING, response={201: ReadingOut})
def post_reading(request, tank_id: int, payload: ReadingIn):
    """A reading of the tank; an alarm is raised for each threshold crossed (listed in ``alarms``).

    A value out of range or missing is a 422 naming ``ln2_level_percent`` or ``temperature_c``.
    """
    tank = _tank_for(request.user, tank_id)
    reading = storage.record_reading(actor_or_none=request.user, tank=tank,
                                     ln2_level_percent=payload.ln2_level_percent,
                                     temperature_c=payload.temperature_c, source=_source(request.user, tank))
    return Status(201, {"id": reading.pk, "tank_id": tank.pk, "at": reading.at,
                        "alarms": [{"id": alarm.pk, "kind": alarm.kind} for alarm in reading.raised_alarms]})


@guarded(router.get, "/tanks", Action.RECORD_TANK_READING, response=list[TankOut])
def list_tanks(request):
    """The tanks the caller may post readings to, with their thresholds: what a probe is configured with."""
    tanks = (Tank.objects.filter(center_id__in=access.centers_for(request.user, Action.RECORD_TANK_READING))
             .select_related("center").order_by("center__name", "name", "pk"))
    return [{"id": tank.pk, "name": tank.name, "center_id": tank.center_id, "center": str(tank.center),
             "ln2_min_level_percent": tank.ln2_min_level_percent, "max_temperature_c": tank.max_temperature_c}
            for tank in tanks]
