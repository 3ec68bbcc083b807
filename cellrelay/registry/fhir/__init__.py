"""FHIR R4 (4.0.1) Bulk Data export of the registry room (HL7 Bulk Data Access IG): resources built as plain dicts
(one module per resource), written as NDJSON with orjson by a background task, batch by batch."""
