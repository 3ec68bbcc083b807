"""The rooms are layered: a room imports only from rooms below it, and no two rooms import each other.

The order is declared once, here: the journal lowest (it depends on no room, only on settings.AUTH_USER_MODEL), demo highest. Every import
of a `cellrelay.<room>` module from another room's file is read from the source (function-level
imports included), so a hidden cycle cannot pass.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "cellrelay"
# Lowest first. Rooms to come keep their place so that the first file of each lands where it belongs.
ROOMS = ["journal", "organisation", "patients", "referrals", "pathway", "products", "pharmacy", "monitoring",
         "followup", "registry", "program", "demo"]
RANK = {room: rank for rank, room in enumerate(ROOMS)}


def room_of_module(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "cellrelay" and parts[1] in RANK else None


def room_of_file(path: Path) -> str | None:
    relative = path.relative_to(PACKAGE).parts
    if relative[0] in RANK:
        return relative[0]
    if relative[0] == "demo.py":
        return "demo"
    return None


def imports(path: Path):
    """(line number, imported module) for every import in the file, relative ones resolved."""
    package = ".".join(("cellrelay",) + path.relative_to(PACKAGE).with_suffix("").parts[:-1])
    if path.name == "__init__.py":
        package = ".".join(("cellrelay",) + path.relative_to(PACKAGE).parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:  # `from cellrelay import demo` imports the demo room
                yield node.lineno, f"{module}.{alias.name}"


def room_imports():
    """(file, line, importing room, imported room, source line) for every import across rooms."""
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        room = room_of_file(path)
        if room is None:
            continue
        lines = path.read_text().splitlines()
        for lineno, module in imports(path):
            target = room_of_module(module)
            if target and target != room:
                yield path.relative_to(PACKAGE.parent), lineno, room, target, lines[lineno - 1].strip()


def test_no_room_imports_from_a_room_above_it():
    upward = [f"{path}:{line}: {room} imports {target} (above it): {source}"
              for path, line, room, target, source in room_imports() if RANK[target] > RANK[room]]
    assert not upward, "Imports against the layers:\n" + "\n".join(dict.fromkeys(upward))


def test_no_two_rooms_import_each_other():
    edges: dict[tuple[str, str], str] = {}
    for path, line, room, target, source in room_imports():
        edges.setdefault((room, target), f"{path}:{line}: {source}")
    cycles = [f"{a} <-> {b}: {edges[(a, b)]} / {edges[(b, a)]}"
              for (a, b) in edges if (b, a) in edges and a < b]
    assert not cycles, "Rooms importing each other:\n" + "\n".join(cycles)


# The project's wiring may import every room; the shared helpers beside it (web, validation, pdf, charts…) none,
# since every room imports them.
WIRING = {"settings.py", "urls.py", "api.py", "wsgi.py", "asgi.py", "__init__.py"}


def test_the_shared_helpers_import_no_room():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in RANK or relative.parts[0] == "demo.py" or relative.name in WIRING and len(
                relative.parts) == 1 or "migrations" in relative.parts or relative.parts[0] == "locale":
            continue
        lines = path.read_text().splitlines()
        wrong += [f"{path.relative_to(PACKAGE.parent)}:{line}: {lines[line - 1].strip()}"
                  for line, module in imports(path) if room_of_module(module)]
    assert not wrong, "Shared helpers importing a room:\n" + "\n".join(dict.fromkeys(wrong))


def test_no_private_name_is_imported_from_another_module():
    """A name starting with an underscore is its module's own: share it under a public name instead."""
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or node.level):
                private = [alias.name for alias in node.names if alias.name.startswith("_")]
                if private:
                    wrong.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {', '.join(private)}")
    assert not wrong, "Private names imported across modules:\n" + "\n".join(wrong)
