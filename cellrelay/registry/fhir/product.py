"""BiologicallyDerivedProduct: the CAR-T product with its identifiers (registry.md, FHIR: the ISBT 128 DIN, the
chain-of-identity identifier and the manufacturer's number), its bags and the apheresis it was made from."""

from .systems import ISBT128_CHAIN_OF_IDENTITY, ISBT128_DIN, Local, ref

AVAILABLE = {"received", "accepted"}


def identifier_system(scheme: str, manufacturer: str, local: Local) -> str:
    if scheme == "din":
        return ISBT128_DIN
    if scheme == "coi_isbt":
        return ISBT128_CHAIN_OF_IDENTITY
    return local.sid(f"manufacturer/{manufacturer.lower().replace(' ', '-') or 'unknown'}/chain-of-identity")


def product(row: dict, identifiers: list[tuple[str, str]], bags: int, collection: dict | None, local: Local) -> dict:
    resource = {
        "resourceType": "BiologicallyDerivedProduct", "id": str(row["id"]),
        "identifier": [{"system": identifier_system(scheme, row["manufacturer"], local), "value": value}
                       for scheme, value in identifiers],
        "productCategory": "cells",
        "productCode": {"text": f"{row['episode__template__product']} ({row['manufacturer']})"},
        "status": "available" if row["status"] in AVAILABLE else "unavailable",
        "quantity": bags,
    }
    if collection:
        resource["collection"] = {"source": ref("Patient", row["episode__patient_id"]),
                                  "collectedDateTime": collection["collected_at"]}
    return resource
