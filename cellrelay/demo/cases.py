"""The demo hospital's patients and what became of each referral, as plain data: `seed` records them.

The pathway covers every state of an episode, each way an episode stops, and each RCP outcome.
"""

from dataclasses import dataclass

from cellrelay.pathway.states import State, StopReason

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
    ("Lefebvre", "Monique", "F", 64, 66, 162, "Riom", "63200"),
    ("Bonnet", "Jacques", "M", 58, 84, 177, "Vichy", "03200"),
    ("Fontaine", "Hélène", "F", 69, 63, 159, "Thiers", "63300"),
    ("Chevalier", "Marc", "M", 50, 88, 181, "Issoire", "63500"),
    ("Marchand", "Denise", "F", 72, 59, 157, "Aurillac", "15000"),
    # Infused years ago: their follow-up (demo/followup.py).
    ("Lemaire", "Robert", "M", 67, 80, 172, "Riom", "63200"),
    ("Brunet", "Odile", "F", 70, 62, 160, "Thiers", "63300"),
    ("Giraud", "Francis", "M", 63, 77, 171, "Vichy", "03200"),
]
# The weekly RCP (Thursday) about that many days ago, for the decisions taken there; "next" is
# the coming one. Spread out so that each episode's decision comes 10-30 days before its apheresis.
MEETINGS = {"6 years": 2200, "5 years": 1850, "3 years": 1100, "20 months": 630, "11 months": 325, "3 months": 95,
            "8 weeks": 55, "4 weeks": 25, "last week": 9}
UPCOMING = "next"


@dataclass(frozen=True)
class Case:
    """One patient's referral (by index in PATIENTS) and what became of it.

    ``apheresis`` is in days from today (negative: past), None when not planned yet; ``last_on``,
    in days from today, is when the last step was done when it came late (the plan's later dates
    slip with it, as in life); ``ends_on`` is the day of the stop or the closure.
    """

    patient: int
    diagnosis: str
    detail: str
    stage: str
    prior_lines: int
    prior_transplant: str
    meeting: str
    outcome: str | None = None  # None: awaiting the next RCP
    product: str = ""
    indication: str = ""
    bridging: str = ""
    reason: str = ""
    state: State | None = None  # where the episode stands (its stop: the state it stopped from)
    apheresis: int | None = None
    last_on: int | None = None
    stop: StopReason | None = None
    note: str = ""
    ends_on: int | None = None
    current_status: str = "refractory"


CASES = [
    # Every state of an episode, from approved to closed.
    Case(18, "lbcl", "LDGCB, sans autre précision", "Ann Arbor III", 2, "none", "last week", "approved", "kymriah", "lbcl",
         state=State.APPROVED, current_status="relapsed"),
    Case(9, "b_all", "LAL-B Ph négative", "Deuxième rechute", 2, "none", "last week", "approved", "kymriah", "b_all",
         bridging="Vincristine-dexamethasone", state=State.APHERESIS_SCHEDULED, apheresis=8, current_status="relapsed"),
    Case(17, "mm", "Myélome IgG kappa", "R-ISS II", 2, "autologous", "4 weeks", "approved", "carvykti", "mm",
         bridging="Daratumumab-pomalidomide-dexamethasone", state=State.COLLECTED, apheresis=0),
    Case(8, "b_all", "LAL-B Ph négative", "Rechute après allogreffe", 3, "allogeneic", "4 weeks", "approved",
         "kymriah", "b_all", bridging="Inotuzumab ozogamicin", state=State.MANUFACTURING, apheresis=-12,
         current_status="relapsed"),
    Case(16, "lbcl", "Lymphome folliculaire transformé", "Ann Arbor IV", 2, "none", "8 weeks", "approved",
         "breyanzi", "lbcl", bridging="R-GemOx", state=State.PRODUCT_RECEIVED, apheresis=-28, last_on=0),
    Case(13, "sle", "Néphropathie lupique classe IV, réfractaire", "SLEDAI-2K 14", 3, "none", "8 weeks", "approved",
         "investigational", "trial", state=State.ADMITTED, apheresis=-29, last_on=0,
         current_status="active_autoimmune"),
    Case(15, "lbcl", "LDGCB, sans autre précision", "Ann Arbor IV", 1, "none", "8 weeks", "approved", "yescarta", "lbcl",
         bridging="Radiothérapie des sites atteints", state=State.LYMPHODEPLETION, apheresis=-35),
    Case(6, "lbcl", "Lymphome B de haut grade avec réarrangements MYC et BCL2", "Ann Arbor IV", 3, "autologous",
         "8 weeks", "approved", "kymriah", "lbcl", bridging="R-GemOx", state=State.INFUSED, apheresis=-35, last_on=0),
    Case(5, "mm", "Myélome IgA lambda", "R-ISS III", 4, "autologous", "8 weeks", "approved", "carvykti", "mm",
         bridging="Carfilzomib-dexamethasone", state=State.ACUTE_MONITORING, apheresis=-38, current_status="relapsed"),
    Case(3, "lbcl", "Lymphome B médiastinal primitif", "Ann Arbor II", 2, "none", "3 months", "approved",
         "breyanzi", "lbcl", state=State.DISCHARGED, apheresis=-70),
    Case(1, "fl", "Lymphome folliculaire de grade 1-2", "Ann Arbor IV", 3, "none", "11 months", "approved", "yescarta", "fl",
         state=State.LONG_TERM_FOLLOW_UP, apheresis=-300, current_status="relapsed"),
    Case(0, "lbcl", "LDGCB, sans autre précision", "Ann Arbor IV", 2, "autologous", "20 months", "approved", "yescarta", "lbcl",
         bridging="R-GemOx", state=State.CLOSED, apheresis=-600, ends_on=-140),
    # Years of follow-up (demo/followup.py): past Y5 in remission; a myeloma progressing, then lost to follow-up;
    # a follicular lymphoma followed by the referring hospital, relapsing at Y3 (closed at the death).
    Case(20, "lbcl", "LDGCB, sans autre précision", "Ann Arbor IV", 2, "autologous", "6 years", "approved", "yescarta",
         "lbcl", bridging="R-GemOx", state=State.LONG_TERM_FOLLOW_UP, apheresis=-2180, current_status="relapsed"),
    Case(21, "mm", "Myélome IgG kappa", "R-ISS II", 3, "autologous", "3 years", "approved", "carvykti", "mm",
         bridging="Carfilzomib-dexamethasone", state=State.LONG_TERM_FOLLOW_UP, apheresis=-1080,
         current_status="relapsed"),
    Case(22, "fl", "Lymphome folliculaire de grade 3A", "Ann Arbor IV", 3, "none", "5 years", "approved", "kymriah",
         "fl", state=State.CLOSED, apheresis=-1830, ends_on=-190, current_status="relapsed"),
    # Every way an episode stops before infusion (pathway.md: attrition is counted).
    Case(2, "mcl", "Lymphome du manteau blastoïde", "Ann Arbor IV", 3, "autologous", "4 weeks", "approved",
         "tecartus", "mcl", bridging="Ibrutinib", state=State.MANUFACTURING, apheresis=-15,
         stop=StopReason.PROGRESSION, note="Progression rapide pendant la fabrication du produit ; soins palliatifs.",
         ends_on=-4),
    Case(7, "lbcl", "LDGCB, sans autre précision", "Ann Arbor IV", 3, "none", "8 weeks", "approved", "yescarta", "lbcl",
         bridging="R-GemOx", state=State.PRODUCT_RECEIVED, apheresis=-45, stop=StopReason.DEATH,
         note="Décédée d'un sepsis le jour prévu de son admission."),
    Case(4, "mm", "Myélome à chaînes légères", "R-ISS II", 5, "autologous", "8 weeks", "approved", "abecma", "mm",
         bridging="Pomalidomide-cyclophosphamide-dexamethasone", state=State.MANUFACTURING, apheresis=-40,
         stop=StopReason.MANUFACTURING_FAILURE,
         note="Produit hors spécifications : trop peu de cellules CAR-positives. Seconde aphérèse à discuter en RCP.",
         ends_on=-16),
    Case(14, "fl", "Lymphome folliculaire de grade 3A", "Ann Arbor III", 4, "none", "last week", "approved", "kymriah", "fl",
         state=State.APPROVED, stop=StopReason.PATIENT_CHOICE,
         note="A refusé les CAR-T après information ; préfère un traitement près de son domicile.", current_status="relapsed"),
    Case(19, "mm", "Myélome IgG kappa", "R-ISS I", 4, "autologous", "last week", "approved", "abecma", "mm",
         state=State.APHERESIS_SCHEDULED, apheresis=6, stop=StopReason.OTHER,
         note="Pneumopathie sévère avant l'aphérèse : retour à l'équipe locale, à rediscuter en RCP.", ends_on=0),
    # The other RCP outcomes.
    Case(10, "lbcl", "LDGCB, sans autre précision", "Ann Arbor IV", 3, "none", "last week", "declined",
         reason="Indice de performance 3 et clairance de la créatinine sous 30 mL/min : non éligible. "
                "Soins palliatifs discutés avec l'équipe adressante."),
    Case(12, "mcl", "Lymphome du manteau classique", "Ann Arbor IV", 2, "autologous", "last week", "deferred",
         reason="Réévaluer après le traitement d'attente : TEP-TDM avant la prochaine RCP."),
    Case(11, "mm", "Myélome IgA lambda", "R-ISS II", 3, "autologous", UPCOMING),
]

# The demo's quarantine: this patient's shipper arrived with a broken seal; the product was released after review.
BROKEN_SEAL_PATIENT = 16

# The staff's training records: who, on what, how many days ago, valid for how many days.
TRAININGS = [
    ("coordinator", "Coordination du parcours CAR-T (FACT-JACIE B3)", 400, 730),
    ("pharmacist", "Réception, stockage et décongélation des MTI", 300, 365),
    ("apheresis", "Leucaphérèse pour la fabrication de CAR-T", 500, 365),
    ("wardnurse", "Reconnaissance du CRS et de l'ICANS, score ICE", 200, 365),
    ("icu", "Prise en charge du CRS et de l'ICANS", 120, 730),
    ("neurologist", "Évaluation de l'ICANS", 90, 730),
]
