"""The move to one acknowledgement per team keeps what was acknowledged before: off both worklists."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("monitoring", "0002_proposed_grade_empty_before_infusion")]
AFTER = [("monitoring", "0003_acknowledgement_per_team")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_an_alert_acknowledged_before_stays_acknowledged_for_both_teams(episode, users):
    old = migrate(BEFORE)
    try:
        Alert = old.get_model("monitoring", "Alert")
        when = timezone.now()
        seen = Alert.objects.create(episode_id=episode.pk, scale="crs", grade=3, acknowledged_by_id=users["icu"].pk,
                                    acknowledged_at=when)
        unseen = Alert.objects.create(episode_id=episode.pk, scale="icans", grade=2)
        new = migrate(AFTER)
        acknowledgements = new.get_model("monitoring", "AlertAcknowledgement").objects
        assert sorted(acknowledgements.filter(alert_id=seen.pk).values_list("team", "acknowledged_by_id")) == [
            ("icu", users["icu"].pk), ("neurology", users["icu"].pk)]
        assert acknowledgements.get(alert_id=seen.pk, team="icu").acknowledged_at == when
        assert not acknowledgements.filter(alert_id=unseen.pk).exists()  # still on both worklists
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
