"""Every change to the chain of identity and custody, one module per stage of the chain.

- ``collection``: the apheresis and its DIN;
- ``manufacturing``: the product registered at the manufacturer, what the manufacturer reports, its certificate;
- ``shipping``: the shipments out and back, their temperature logs and the release of an excursion;
- ``receipt``: the two-person receipt at the pharmacy and the release from quarantine;
- ``administration``: the ward's steps on a dispensed bag: thaw, bedside check, infusion, return or destruction.

Each service is atomic, takes the acting user as ``actor`` and journals what it did; what they share (scans, the
bag's lock, signatures) is ``products.custody``. Storing and dispensing a bag are the pharmacy's services.
"""
