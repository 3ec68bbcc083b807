"""The tamper-evident audit journal: append-only, hash-chained."""

import datetime
import re

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

_DJANGO_DEFAULT_REPR = re.compile(r"\w+ object \(\d+\)")  # what str() said of a model without __str__


class JournalIsAppendOnly(Exception):
    """Raised on any attempt to change or delete journal rows through the ORM."""


class JournalQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise JournalIsAppendOnly("journal entries cannot be updated")

    def delete(self):
        raise JournalIsAppendOnly("journal entries cannot be deleted")

    def bulk_update(self, *args, **kwargs):
        raise JournalIsAppendOnly("journal entries cannot be updated")


class JournalEntry(models.Model):
    class Action(models.TextChoices):
        PATIENT_CREATED = "patient.created", _("Patient registered")
        PATIENT_UPDATED = "patient.updated", _("Patient updated")
        PATIENT_READ = "patient.read", _("Patient record viewed")
        PATIENTS_LISTED = "patients.listed", _("Patients listed or searched")
        LOCAL_ID_ADDED = "patient.local_id_added", _("Local identifier (IPP) added")
        CONTACT_ADDED = "patient.contact_added", _("Contact added")
        CONSENT_RECORDED = "patient.consent_recorded", _("Consent recorded")
        STAFF_ADDED = "staff.added", _("Staff member added")
        TRAINING_RECORDED = "staff.training_recorded", _("Training recorded")
        TOKEN_CREATED = "token.created", _("API token created")
        TOKEN_REVOKED = "token.revoked", _("API token revoked")
        TOKEN_RENEWED = "token.renewed", _("API token renewed")
        PASSWORD_CHANGED = "staff.password_changed", _("Password changed")
        SECOND_FACTOR_ENROLLED = "staff.second_factor_enrolled", _("Second factor set up")
        RECOVERY_CODE_USED = "staff.recovery_code_used", _("Recovery code used to sign in")
        LOGIN_LOCKED_OUT = "login.locked_out", _("Sign-in locked after repeated failures")
        LOGIN_UNLOCKED = "login.unlocked", _("Sign-in unlocked by an administrator")
        REFERRAL_CREATED = "referral.created", _("Referral received")
        MEETING_CREATED = "mdt.meeting_created", _("RCP meeting planned")
        AGENDA_CHANGED = "mdt.agenda_changed", _("RCP agenda changed")
        DECISION_RECORDED = "mdt.decision_recorded", _("RCP decision recorded")
        EPISODE_OPENED = "episode.opened", _("Treatment episode opened")
        EPISODE_SCHEDULED = "episode.scheduled", _("Treatment schedule planned")
        EPISODE_MOVED = "episode.moved", _("Episode moved to the next step")
        EPISODE_STOPPED = "episode.stopped", _("Episode stopped")
        MILESTONE_RECORDED = "milestone.recorded", _("Step recorded as done")
        MILESTONE_REPLANNED = "milestone.replanned", _("Planned dates moved")
        PROTOCOL_EDITED = "protocol.edited", _("Protocol template edited")
        DRUG_RESERVED = "pharmacy.drug_reserved", _("Drug reserve changed")
        BAG_STORED = "pharmacy.bag_stored", _("Bag stored")
        BAG_MOVED = "pharmacy.bag_moved", _("Bag moved in storage")
        BAG_REMOVED = "pharmacy.bag_removed", _("Bag removed from storage")
        TANK_CREATED = "pharmacy.tank_created", _("Tank set up")
        TANK_READING = "pharmacy.tank_reading", _("Tank reading recorded")
        STORAGE_ALARM = "pharmacy.storage_alarm", _("Storage alarm raised")
        STORAGE_ALARM_ACKNOWLEDGED = "pharmacy.storage_alarm_acknowledged", _("Storage alarm acknowledged")
        DOCUMENT_READ = "products.document_read", _("Product document opened")
        QUARANTINE_RELEASED = "products.quarantine_released", _("Product released from quarantine")
        EXCURSION_RELEASED = "products.excursion_released", _("Shipment temperature excursion released")
        BAG_DISPENSED = "products.bag_dispensed", _("Bag dispensed")
        THAW_STARTED = "products.thaw_started", _("Bag thaw started")
        BEDSIDE_CHECKED = "products.bedside_checked", _("Bedside identity check passed")
        INFUSION_STARTED = "products.infusion_started", _("Infusion started")
        INFUSION_ENDED = "products.infusion_ended", _("Infusion ended")
        BAG_DISPOSED = "products.bag_disposed", _("Unused bag returned or destroyed")
        VITALS_RECORDED = "monitoring.vitals_recorded", _("Vital signs recorded")
        NEURO_RECORDED = "monitoring.neuro_recorded", _("Neurological assessment recorded")
        LABS_RECORDED = "monitoring.labs_recorded", _("Laboratory results recorded")
        GRADE_CONFIRMED = "monitoring.grade_confirmed", _("Grade confirmed")
        INTERVENTION_GIVEN = "monitoring.intervention_given", _("Treatment given")
        ALERT_RAISED = "monitoring.alert_raised", _("Alert raised")
        ALERT_ACKNOWLEDGED = "monitoring.alert_acknowledged", _("Alert acknowledged")
        ICU_TRANSFER = "monitoring.icu_transfer", _("ICU transfer or return")
        ADVERSE_EVENT = "monitoring.adverse_event", _("Adverse event recorded")
        CHECKLIST_UPDATED = "monitoring.checklist_updated", _("Pre-infusion neurology checklist updated")
        COLLECTION_RECORDED = "products.collection_recorded", _("Cell collection recorded")
        PRODUCT_REGISTERED = "products.product_registered", _("CAR-T product registered")
        MANUFACTURING_UPDATED = "products.manufacturing_updated", _("Manufacturing status changed")
        PRODUCT_RECEIVED = "products.product_received", _("CAR-T product received")
        DEVIATION_RECORDED = "products.deviation_recorded", _("Deviation recorded")
        SHIPMENT_RECORDED = "products.shipment_recorded", _("Shipment recorded")
        TEMPERATURE_LOG_ATTACHED = "products.temperature_log_attached", _("Shipment temperature log attached")
        FOLLOWUP_PLANNED = "followup.planned", _("Follow-up plan made")
        VISITS_ASSIGNED = "followup.visits_assigned", _("Follow-up visits assigned")
        VISIT_RECORDED = "followup.visit_recorded", _("Follow-up visit recorded")
        RESPONSE_RECORDED = "followup.response_recorded", _("Disease response recorded")
        BLOOD_COUNT_RECORDED = "followup.blood_count_recorded", _("Blood count recorded")
        LATE_EFFECT_RECORDED = "followup.late_effect_recorded", _("Late effect recorded")
        TREATMENT_RECORDED = "followup.treatment_recorded", _("Subsequent treatment recorded")
        DEATH_RECORDED = "followup.death_recorded", _("Death recorded")
        CALL_RECORDED = "followup.call_recorded", _("Coordinator call recorded")
        CALL_ACKNOWLEDGED = "followup.call_acknowledged", _("Escalated call seen by a physician")
        CALL_SCHEDULE_EDITED = "followup.call_schedule_edited", _("Call schedule changed")
        EXPORT_REQUESTED = "registry.export_requested", _("FHIR bulk export requested")
        EXPORT_CANCELLED = "registry.export_cancelled", _("FHIR bulk export cancelled")
        SIGNED = "signature.signed", _("Electronic signature")
        REGISTRY_VALUE_ENTERED = "registry.value_entered", _("Registry value entered")
        REGISTRY_SUBMITTED = "registry.submitted", _("Registry form submitted")
        DATA_SEEDED = "data.seeded", _("Demo or synthetic data generated")

    at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("who"), max_length=150)
    action = models.CharField(_("action"), max_length=60, choices=Action.choices, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    patient_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    center_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = JournalQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise JournalIsAppendOnly("journal entries cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise JournalIsAppendOnly("journal entries cannot be deleted")

    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field the entry records, for display."""
        before, after = self.before or {}, self.after or {}
        return [(name, before.get(name), after.get(name)) for name in sorted(set(before) | set(after))]

    def chained_fields(self) -> dict:
        """Every stored field that the hash covers (all but the hash itself)."""
        return {
            "id": self.pk,
            "at": self.at.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "patient_id": self.patient_id,
            "center_id": self.center_id,
            "before": self.before,
            "after": self.after,
            "request_id": self.request_id,
        }

    def object_label(self) -> str:
        """The object in words. Entries written before every model named itself read "TankReading object (2)":
        their stored text cannot change (the hash covers it), so the page names the kind of object instead."""
        if not _DJANGO_DEFAULT_REPR.fullmatch(self.object_repr):
            return self.object_repr
        try:
            model = apps.get_model(self.object_type)
        except (LookupError, ValueError):
            return self.object_repr
        return f"{capfirst(model._meta.verbose_name)} #{self.object_id}"

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_action_display()} — {self.actor_label}"


class PatientShown(models.Model):
    """A patient named by a list entry (``patients.listed``), so that a patient's appearances in lists and searches
    are found by an index, on both databases. The entry's own ``after["patients"]`` (under the hash) is the record;
    these rows repeat it for the search, and are written with it, in the same transaction, never changed."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="patients_shown")
    patient_id = models.BigIntegerField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "patient_id"], name="one_row_per_patient_shown")]

    def __str__(self) -> str:
        return f"#{self.entry_id} patient {self.patient_id}"


class JournalHead(models.Model):
    """One row naming the last entry: the lock that serialises appends, and the proof of the tail."""

    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return _("Journal head: last entry #%(id)s") % {"id": self.last_id}
