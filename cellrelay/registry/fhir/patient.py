"""Patient: identity, the INS and each center's IPP, address, phone, death."""

from .systems import INS, Local

GENDER = {"F": "female", "M": "male", "U": "unknown"}


def patient(row: dict, ipps: list[tuple[int, str]], died_on, local: Local) -> dict:
    identifiers = [{"use": "official", "system": INS, "value": row["ins"]}] if row["ins"] else []
    identifiers += [{"use": "usual", "system": local.ipp(center_id), "value": ipp} for center_id, ipp in ipps]
    resource = {
        "resourceType": "Patient", "id": str(row["id"]), "identifier": identifiers,
        # INS identity traits are the birth name (patients.models).
        "name": [{"use": "official", "family": row["family_name"], "given": row["given_names"].split()}],
        "gender": GENDER[row["sex"]], "birthDate": row["birth_date"],
    }
    if row["phone"]:
        resource["telecom"] = [{"system": "phone", "value": row["phone"]}]
    if row["address"] or row["city"]:
        address = {"use": "home", "country": "FR"}
        if row["address"]:
            address["line"] = [row["address"]]
        if row["city"]:
            address["city"] = row["city"]
        if row["postcode"]:
            address["postalCode"] = row["postcode"]
        resource["address"] = [address]
    if died_on:
        resource["deceasedDateTime"] = died_on
    return resource
