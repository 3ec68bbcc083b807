"""Compile the translation catalogs (.po → .mo) with Babel: no system gettext needed."""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parent.parent / "cellrelay" / "locale"

for po_path in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
    mo_path = po_path.with_suffix(".mo")
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        continue
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file)
    with mo_path.open("wb") as mo_file:
        write_mo(mo_file, catalog)
    print(f"compiled {mo_path.relative_to(LOCALE.parent.parent)}")
