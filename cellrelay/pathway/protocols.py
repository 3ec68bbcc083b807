"""Default protocol templates, one per product and indication. No Django.

Values come from `shared/domain/products.md` (product labels and SmPCs) and `pathway.md`; a site
administrator may edit each template, and every edit is kept with its date and source.
Days are relative to the infusion (D0).
"""

from dataclasses import dataclass

# The products and indications the protocols are written for: the codes an RCP decision names.
from cellrelay.referrals.therapies import INDICATIONS, PRODUCTS  # noqa: F401
from cellrelay.textmarks import gettext_noop


# Default pattern (pathway.md): 3 days of lymphodepletion, 2 days of rest, infusion on the 6th day.
DEFAULT_LD_DAYS = (-5, -4, -3)
# pathway.md: manufacturing "roughly 3-4 weeks"; from collection to infusion "about 4 weeks".
DEFAULT_MANUFACTURING_DAYS = 28
# pathway.md: admission with 5-7 days of preparation before D0; stay of 15-21 days (Clermont-Ferrand).
DEFAULT_ADMISSION_DAY = -6
DEFAULT_DISCHARGE_DAY = 14
# products.md: EBMT/JACIE 2020, stay within 1 h of the center for at least 4 weeks.
DEFAULT_PROXIMITY_DAYS = 28
# products.md: no driving for 8 weeks after the infusion (EU labels; US labels since June 2025: 2 weeks).
DEFAULT_NO_DRIVING_DAYS = 56
# products.md: 2 doses of tocilizumab on site (former REMS; EU SmPC ≥ 1 + 1 within 8 h).
DEFAULT_TOCILIZUMAB_DOSES = 2
# The follow-up visits after D0 (the follow-up room plans them at the infusion; a site edits them per template).
# followup.md, registry.md: D7, D14, D28, M3 (D100), M6, M12, then yearly to Y15 (genetically modified products).
FIFTEEN_YEAR_FOLLOW_UP = ("D7", "D14", "D28", "D100", "M6", "M12") + tuple(f"Y{y}" for y in range(2, 16))
# registry.md (CIBMTR "standard" track, products that need no 15-year follow-up): D100 to Y6, then Y8, Y10, Y12, Y14.
STANDARD_FOLLOW_UP = ("D100", "M6", "M12", "Y2", "Y3", "Y4", "Y5", "Y6", "Y8", "Y10", "Y12", "Y14")


@dataclass(frozen=True)
class Protocol:
    product: str
    indication: str
    ld_days: tuple[tuple[int, tuple[tuple[str, float], ...]], ...]  # (day, ((drug, mg/m²), ...))
    infusion_window: tuple[int, int] | None = None  # days after the last LD day, per label
    manufacturing_days: int = DEFAULT_MANUFACTURING_DAYS
    admission_day: int = DEFAULT_ADMISSION_DAY
    discharge_day: int = DEFAULT_DISCHARGE_DAY
    proximity_days: int = DEFAULT_PROXIMITY_DAYS
    no_driving_days: int = DEFAULT_NO_DRIVING_DAYS
    tocilizumab_doses: int = DEFAULT_TOCILIZUMAB_DOSES
    thaw_limit_minutes: int | None = None
    storage_max_c: int | None = None
    source: str = ""
    unverified: str = ""


def same_every_day(days, *drugs) -> tuple:
    return tuple((day, tuple(drugs)) for day in days)


FLU, CY, BENDA = "fludarabine", "cyclophosphamide", "bendamustine"

DEFAULTS: tuple[Protocol, ...] = (
    # products.md, Kymriah ALL: Flu 30 ×4 d + Cy 500 ×2 d; infuse 2-14 d after LD; ≤ -120 °C; 30 min.
    Protocol("kymriah", "b_all",
             ld_days=((-6, ((FLU, 30), (CY, 500))), (-5, ((FLU, 30), (CY, 500))), (-4, ((FLU, 30),)), (-3, ((FLU, 30),))),
             infusion_window=(2, 14), thaw_limit_minutes=30, storage_max_c=-120,
             source="Kymriah SmPC / US PI via products.md"),
    # products.md, Kymriah LBCL: Flu 25 + Cy 250 ×3 d (or bendamustine 90 ×2 d); 2-11 d after LD.
    Protocol("kymriah", "lbcl", ld_days=same_every_day(DEFAULT_LD_DAYS, (FLU, 25), (CY, 250)),
             infusion_window=(2, 11), thaw_limit_minutes=30, storage_max_c=-120,
             source="Kymriah SmPC / US PI via products.md"),
    # products.md, Kymriah FL: as LBCL; 2-6 d after LD.
    Protocol("kymriah", "fl", ld_days=same_every_day(DEFAULT_LD_DAYS, (FLU, 25), (CY, 250)),
             infusion_window=(2, 6), thaw_limit_minutes=30, storage_max_c=-120,
             source="Kymriah SmPC / US PI via products.md"),
    # products.md, Yescarta: Cy 500 + Flu 30 on D-5, D-4, D-3; storage and thaw limit unverified.
    Protocol("yescarta", "lbcl", ld_days=same_every_day(DEFAULT_LD_DAYS, (CY, 500), (FLU, 30)),
             thaw_limit_minutes=30, storage_max_c=-150, source="Yescarta SmPC / US PI via products.md",
             unverified=gettext_noop("storage ≤ -150 °C and 30 min after thaw")),
    Protocol("yescarta", "fl", ld_days=same_every_day(DEFAULT_LD_DAYS, (CY, 500), (FLU, 30)),
             thaw_limit_minutes=30, storage_max_c=-150, source="Yescarta SmPC / US PI via products.md",
             unverified=gettext_noop("storage ≤ -150 °C and 30 min after thaw")),
    # products.md, Tecartus MCL: Cy 500 + Flu 30 on D-5..D-3; ≤ -150 °C; start within 30 min of thaw.
    Protocol("tecartus", "mcl", ld_days=same_every_day(DEFAULT_LD_DAYS, (CY, 500), (FLU, 30)),
             thaw_limit_minutes=30, storage_max_c=-150, source="Tecartus SmPC / US PI via products.md"),
    # products.md, Tecartus ALL: Flu 25 on D-4..D-2 + Cy 900 on D-2.
    Protocol("tecartus", "b_all",
             ld_days=((-4, ((FLU, 25),)), (-3, ((FLU, 25),)), (-2, ((FLU, 25), (CY, 900)))),
             thaw_limit_minutes=30, storage_max_c=-150, source="Tecartus SmPC / US PI via products.md"),
    # products.md, Breyanzi: Flu 30 + Cy 300 ×3 d (Cy 500 in one source: unverified); 2-7 d; ≤ 2 h.
    Protocol("breyanzi", "lbcl", ld_days=same_every_day(DEFAULT_LD_DAYS, (FLU, 30), (CY, 300)),
             infusion_window=(2, 7), thaw_limit_minutes=120, source="Breyanzi SmPC / US PI via products.md",
             unverified=gettext_noop("cyclophosphamide 300 mg/m² (one source says 500)")),
    # products.md, Abecma: Cy 300 + Flu 30 ×3 d; 2 d after LD (up to 7); ≤ -130 °C; 1 h per bag.
    Protocol("abecma", "mm", ld_days=same_every_day(DEFAULT_LD_DAYS, (CY, 300), (FLU, 30)),
             infusion_window=(2, 7), thaw_limit_minutes=60, storage_max_c=-130,
             source="Abecma SmPC / US PI via products.md"),
    # products.md, Carvykti: Cy 300 + Flu 30 ×3 d; 2-4 d after LD; complete infusion within 2.5 h.
    Protocol("carvykti", "mm", ld_days=same_every_day(DEFAULT_LD_DAYS, (CY, 300), (FLU, 30)),
             infusion_window=(2, 4), thaw_limit_minutes=150, source="Carvykti SmPC / US PI via products.md"),
    # pathway.md: trials use the same circuit; the lymphodepletion drugs come from the trial protocol.
    Protocol("investigational", "trial", ld_days=same_every_day(DEFAULT_LD_DAYS),
             source="pathway.md (default pattern); drugs per trial protocol"),
)


def template_fields(protocol: Protocol) -> dict:
    """The stored form of a protocol (ProtocolTemplate's fields)."""
    window = protocol.infusion_window or (None, None)
    return {
        "ld_days": [{"day": day, "drugs": [{"drug": drug, "dose_mg_m2": dose} for drug, dose in drugs]}
                    for day, drugs in protocol.ld_days],
        "infusion_window_min": window[0], "infusion_window_max": window[1],
        "manufacturing_days": protocol.manufacturing_days, "admission_day": protocol.admission_day,
        "discharge_day": protocol.discharge_day, "proximity_days": protocol.proximity_days,
        "no_driving_days": protocol.no_driving_days,
        "tocilizumab_doses": protocol.tocilizumab_doses, "thaw_limit_minutes": protocol.thaw_limit_minutes,
        "storage_max_c": protocol.storage_max_c, "source": protocol.source, "unverified": protocol.unverified,
    }
