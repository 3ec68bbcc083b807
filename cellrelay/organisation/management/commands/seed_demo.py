import datetime as dt
import random

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from cellrelay import demo
from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import record
from cellrelay.organisation.services import record_training
from cellrelay.patients import services as patient_services
from cellrelay.patients.identity import make_ins
from cellrelay.patients.models import Patient

# Fictional patients: family, given, sex, age, weight kg, height cm, city, postcode
PATIENTS = [
    ("Garnier", "Michel", "M", 62, 78, 174, "Montclair", "63000"),
    ("Faure", "Isabelle", "F", 55, 64, 165, "Riom", "63200"),
    ("Rousseau", "Bernard", "M", 71, 82, 170, "Thiers", "63300"),
    ("Blanc", "Sylvie", "F", 48, 58, 160, "Issoire", "63500"),
    ("Guerin", "Alain", "M", 66, 90, 180, "Vichy", "03200"),
    ("Muller", "Nathalie", "F", 59, 70, 168, "Aurillac", "15000"),
    ("Henry", "Christophe", "M", 44, 85, 183, "Montluçon", "03100"),
    ("Roussel", "Catherine", "F", 68, 61, 158, "Le Puy-en-Velay", "43000"),
    ("Nicolas", "Julien", "M", 23, 72, 178, "Clermont", "63100"),
    ("Perrin", "Chloé", "F", 17, 55, 163, "Montclair", "63000"),
    ("Morin", "Gérard", "M", 74, 76, 169, "Ambert", "63600"),
    ("Mathieu", "Valérie", "F", 52, 67, 166, "Moulins", "03000"),
    ("Clement", "Pascal", "M", 61, 95, 176, "Brioude", "43100"),
    ("Gauthier", "Lucie", "F", 39, 60, 171, "Saint-Flour", "15100"),
    ("Dumont", "Yves", "M", 57, 80, 175, "Ajaccio", "20000"),
]
TRAININGS = [
    ("coordinator", "Coordination du parcours CAR-T (FACT-JACIE B3)", 400, 730),
    ("pharmacist", "Réception, stockage et décongélation des MTI", 300, 365),
    ("apheresis", "Leucaphérèse pour la fabrication de CAR-T", 500, 365),
    ("wardnurse", "Reconnaissance du CRS et de l'ICANS, score ICE", 200, 365),
    ("icu", "Prise en charge du CRS et de l'ICANS", 120, 730),
    ("neurologist", "Évaluation de l'ICANS", 90, 730),
]


class Command(BaseCommand):
    help = "Create the fictional demo hospital: centers, one user per role, about 15 patients."

    def handle(self, *args, **options):
        with transaction.atomic():
            org = demo.build_organisation()
            created = 0 if Patient.objects.exists() else self.create_patients(org)
        self.stdout.write(self.style.SUCCESS(f"Demo hospital ready: {org['treating']} ({created} new patients)."))
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        for username, user in org["users"].items():
            roles = ", ".join(user.membership_roles())
            self.stdout.write(f"  {username:<15} {roles}")

    def create_patients(self, org) -> int:
        rng = random.Random(2026)
        today = timezone.localdate()
        coordinator, referrer = org["users"]["coordinator"], org["users"]["referrer"]
        for index, (family, given, sex, age, weight, height, city, postcode) in enumerate(PATIENTS):
            birth = today.replace(year=today.year - age) - dt.timedelta(days=rng.randint(1, 360))
            place = "2A004" if city == "Ajaccio" else f"{postcode[:2]}{rng.randint(1, 999):03d}"
            referred = index % 3 == 1
            patient = patient_services.register_patient(
                actor=referrer if referred else coordinator,
                treating_center=org["treating"],
                referring_center=org["referring"][0] if referred else None,
                referring_physician=referrer if referred else None,
                family_name=family, given_names=given, sex=sex, birth_date=birth,
                ins=None if index == 14 else make_ins(1 if sex == "M" else 2, birth.year, birth.month, place, index + 1),
                weight_kg=weight, height_cm=height, measured_on=today - dt.timedelta(days=rng.randint(0, 20)),
                address=f"{rng.randint(1, 80)} rue des Tilleuls", postcode=postcode, city=city,
                phone=f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                ipp=f"MC{240000 + index * 17}",
            )
            patient_services.add_contact(actor=coordinator, patient=patient, kind="caregiver",
                                         name=f"{rng.choice(['Anne', 'Pierre', 'Marie', 'Louis'])} {family}",
                                         relationship="spouse" if age > 25 else "parent",
                                         phone="06 00 00 00 00")
            patient_services.record_consent(actor=coordinator, patient=patient, kind="registry", status="given",
                                            decided_on=today - dt.timedelta(days=rng.randint(1, 60)))
            if index % 4 == 0:
                patient_services.record_consent(actor=coordinator, patient=patient, kind="data_sharing",
                                                status="refused" if index == 8 else "given",
                                                decided_on=today - dt.timedelta(days=rng.randint(1, 60)))
        for username, topic, days_ago, valid_days in TRAININGS:
            done = today - dt.timedelta(days=days_ago)
            record_training(actor=org["users"]["admin"], user=org["users"][username], topic=topic,
                            completed_on=done, expires_on=done + dt.timedelta(days=valid_days))
        record(JournalEntry.Action.DATA_SEEDED, actor=None, actor_label="seed_demo command",
               after={"patients": len(PATIENTS), "centers": 3, "users": len(org["users"])})
        return len(PATIENTS)
