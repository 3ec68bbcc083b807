"""The JSON API: /api/v1, OpenAPI at /api/docs. Each room brings its router."""

from csp.decorators import csp_update
from ninja import NinjaAPI, Swagger

from cellrelay.apiutil import JsonParser, install_error_handlers
from cellrelay.followup.episode_api import router as followup_router
from cellrelay.followup.api import tools_router as followup_tools_router
from cellrelay.monitoring.api import router as monitoring_tools_router
from cellrelay.organisation.api import AUTH
from cellrelay.organisation.api import router as organisation_router
from cellrelay.pathway.api import router as tools_router
from cellrelay.patients.api import router as patients_router
from cellrelay.pharmacy.api import router as pharmacy_router
from cellrelay.products.api import products_router
from cellrelay.products.manufacturer_api import router as manufacturer_router
from cellrelay.products.api import router as products_tools_router
from cellrelay.registry.api import router as registry_router

api = NinjaAPI(
    title="cellrelay",
    version="1",
    urls_namespace="api",
    auth=AUTH,
    parser=JsonParser(),
    docs_url="/docs",
    # Swagger UI would otherwise ask validator.swagger.io to check the spec: no call outside the hospital.
    docs=Swagger(settings={"validatorUrl": None}),
    # Swagger UI's own stylesheet draws its icons as data: images; its scripts are files (no inline script).
    docs_decorator=csp_update({"img-src": "data:"}),
    description="CAR-T program API. Authenticate with `Authorization: Bearer <token>` "
    "(`manage.py issue_token USERNAME`, or your profile page).",
)
install_error_handlers(api)
api.add_router("/v1", organisation_router)
api.add_router("/v1/patients", patients_router)
api.add_router("/v1/tools", tools_router)
api.add_router("/v1/tools", monitoring_tools_router)  # a second router on the same prefix: grading calculators
api.add_router("/v1/tools", products_tools_router)  # ninja joins routers on one prefix: ISBT 128 reader
api.add_router("/v1/tools", followup_tools_router)  # response and ICAHT calculators
api.add_router("/v1/episodes", followup_router)
api.add_router("/v1/products", products_router)
api.add_router("/v1/pharmacy", pharmacy_router)
api.add_router("/v1/manufacturer", manufacturer_router)
api.add_router("/v1/registry", registry_router)
