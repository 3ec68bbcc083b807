"""Where registry data go, and the consents each destination needs (registry.md). No Django.

A destination receives a patient's data only when every consent it names is given (the latest decision of each
kind); otherwise its forms are shown as blocked and nothing is exported to it.
"""

from dataclasses import dataclass

from cellrelay.textmarks import gettext_noop


@dataclass(frozen=True)
class Destination:
    code: str  # also the FHIR Group id of its bulk export
    name: str
    consents: tuple[str, ...]  # patients.Consent.Kind values, all required
    source: str


DESTINATIONS = {
    # registry.md: reimbursement "only if defined data are collected and transmitted" (arrêté of 30 April 2019).
    "atih": Destination("atih", gettext_noop("ATIH — reimbursement data (France)"), ("registry",),
                        "registry.md, France: arrêté of 30 April 2019, annex of 8 July 2019"),
    "descart": Destination("descart", gettext_noop("DESCAR-T (LYSARC), French national CAR-T registry"), ("registry",),
                           "registry.md, DESCAR-T"),
    # registry.md: "Sharing patient-level data with EMA and manufacturers requires patient consent."
    "ebmt": Destination("ebmt", gettext_noop("EBMT registry (Cellular Therapy forms)"), ("registry", "data_sharing"),
                        "registry.md, EBMT"),
    "cibmtr": Destination("cibmtr", gettext_noop("CIBMTR (United States)"), ("registry", "data_sharing"),
                          "registry.md, CIBMTR"),
    # issue #11: the pseudonymised research export refuses patients without the research consent.
    "research": Destination("research", gettext_noop("Research (pseudonymised export)"), ("research",),
                            "issue #11, point 5"),
}


def allowed(destination: str, given: set[str]) -> bool:
    """Whether a patient whose given consents are ``given`` (kinds) may be reported to ``destination``."""
    return set(DESTINATIONS[destination].consents) <= given


def missing_consents(destination: str, given: set[str]) -> list[str]:
    return [kind for kind in DESTINATIONS[destination].consents if kind not in given]
