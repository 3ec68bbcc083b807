"""Who makes each product. Pure data, no Django: the registration form, the demo and the synthetic seed read it.

Source: the marketing authorisation holders named in the EU SmPCs and US prescribing information (Yescarta and
Tecartus: Kite Pharma, a Gilead company; Kymriah: Novartis; Breyanzi: Juno Therapeutics and Abecma: Celgene, both
Bristol Myers Squibb companies; Carvykti: Janssen, with Legend Biotech). shared/domain/products.md does not name
the manufacturers.
"""

MARKETED = {
    "yescarta": "Kite",
    "tecartus": "Kite",
    "kymriah": "Novartis",
    "breyanzi": "Bristol Myers Squibb",
    "abecma": "Bristol Myers Squibb",
    "carvykti": "Janssen",
}
# An investigational product is made by the trial's sponsor: staff type its name; generated data use this one.
TRIAL_FACILITY = "Academic GMP facility"


def of(product: str) -> str:
    """The manufacturer of a product code; the trial's facility for an investigational product."""
    return MARKETED.get(product, TRIAL_FACILITY)
