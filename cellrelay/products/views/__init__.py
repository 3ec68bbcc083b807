"""The products' pages, one module per family; their routes are all in ``products/urls.py``.

- ``chain``: the product page (the chain from vein to vein, its PDF) and the pharmacist's signed decisions;
- ``collection``: the apheresis record and the collected bag's labels;
- ``shipments``: the shipments out and back, a shipment's temperature chart, the log upload;
- ``manufacturing``: the product at the manufacturer, what it reports, the certificate of analysis;
- ``receipt``: the two-person receipt at the pharmacy;
- ``bag``: a bag's page (with the live thaw countdown) and the ward's steps: thaw, bedside check, infusion,
  return or destruction.

Views parse, reach their object through its patient (``patients.access.reach``: in the user's scope, the action
allowed, the read journaled) and call one service; they never write models. The pharmacy's pages (storage,
dispensing) are the pharmacy's.
"""
