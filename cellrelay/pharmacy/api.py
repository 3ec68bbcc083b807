"""(to be written) /api/v1/pharmacy: tank readings posted by a probe."""

from ninja import Router

router = Router(tags=["pharmacy"])
