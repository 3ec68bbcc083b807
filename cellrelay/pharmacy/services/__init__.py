"""Every change the pharmacy (*PUI*) makes, one module per concern.

- ``storage``: the tanks (setting one up, its readings and alarms) and the bags in them (place, move, remove);
- ``dispensing``: a bag handed over for its infusion (*délivrance*);
- ``drugs``: drugs reserved for an episode (tocilizumab) and the doses used.

The scans, the bag's lock and the signatures they share with the product's services are ``products.custody``.
"""
