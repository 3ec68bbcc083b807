"""(to be written) /api/v1/manufacturer: a manufacturer's system, its own products only, no patient identity."""

from ninja import Router

router = Router(tags=["manufacturer"])
