"""The follow-up room's JSON API: the response and ICAHT calculators (nothing saved) and the episodes' follow-up."""

from ninja import Router

tools_router = Router(tags=["tools"])
router = Router(tags=["follow-up"])
