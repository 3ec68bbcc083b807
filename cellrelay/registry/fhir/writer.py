"""NDJSON files, one per resource type (Bulk Data IG: "Each file item SHALL contain resources of only one type"),
written resource by resource through a buffered file: nothing is held but the buffer."""

from pathlib import Path

import orjson

BUFFER_BYTES = 1 << 20


def file_name(resource_type: str) -> str:
    return f"{resource_type}.ndjson"


class NdjsonWriter:
    def __init__(self, directory: Path):
        self.directory = directory
        self.files = {}
        self.counts = {}

    def write(self, resource_type: str, resource: dict) -> None:
        handle = self.files.get(resource_type)
        if handle is None:
            handle = self.files[resource_type] = open(self.directory / file_name(resource_type), "wb",
                                                      buffering=BUFFER_BYTES)
            self.counts[resource_type] = 0
        handle.write(orjson.dumps(resource, option=orjson.OPT_APPEND_NEWLINE))
        self.counts[resource_type] += 1

    def close(self, order: tuple[str, ...]) -> list[dict]:
        """The manifest's files, in ``order``; a type with no resource has no file (Bulk Data IG: "If no resources
        are returned … the server SHOULD return an empty output array")."""
        for handle in self.files.values():
            handle.close()
        return [{"type": name, "file": file_name(name), "count": self.counts[name]}
                for name in order if name in self.counts]
