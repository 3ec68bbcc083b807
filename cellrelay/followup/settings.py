"""The follow-up room's site settings (followup.md: windows are site settings; the ICAHT table is unverified)."""

from django.conf import settings

from . import icaht, timepoints


def windows() -> dict:
    """Each visit's window in days, the site's or followup.md's suggestion."""
    return getattr(settings, "CELLRELAY_FOLLOWUP_WINDOWS", None) or timepoints.DEFAULT_WINDOWS


def icaht_table() -> dict:
    """The site's ICAHT table, or followup.md's default (unverified: shown "to verify" until the site sets its own)."""
    return getattr(settings, "CELLRELAY_ICAHT_TABLE", None) or icaht.DEFAULT_ICAHT_TABLE


def icaht_to_verify() -> bool:
    return not getattr(settings, "CELLRELAY_ICAHT_TABLE", None)
