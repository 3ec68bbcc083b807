"""The CAR-T products and the indications an RCP decides on, by code. No Django.

Labels from `shared/domain/products.md`. The pathway keeps a protocol template for each product and indication
(pathway/protocols.py); a referral's decision only names them.
"""

from cellrelay.textmarks import gettext_noop

PRODUCTS = {
    "kymriah": "Kymriah (tisagenlecleucel)",
    "yescarta": "Yescarta (axicabtagene ciloleucel)",
    "tecartus": "Tecartus (brexucabtagene autoleucel)",
    "breyanzi": "Breyanzi (lisocabtagene maraleucel)",
    "abecma": "Abecma (idecabtagene vicleucel)",
    "carvykti": "Carvykti (ciltacabtagene autoleucel)",
    "investigational": gettext_noop("Investigational product (clinical trial)"),
}
INDICATIONS = {
    "b_all": gettext_noop("B-cell acute lymphoblastic leukaemia"),
    "lbcl": gettext_noop("Large B-cell lymphoma"),
    "fl": gettext_noop("Follicular lymphoma"),
    "mcl": gettext_noop("Mantle cell lymphoma"),
    "mm": gettext_noop("Multiple myeloma"),
    "trial": gettext_noop("Clinical trial indication (per protocol)"),
}
