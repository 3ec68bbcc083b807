"""Set French translations in the catalog: `po_set.py 'msgid' 'translation' ...` (maintenance helper)."""

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "cellrelay" / "locale" / "fr" / "LC_MESSAGES" / "django.po"

pairs = dict(zip(sys.argv[1::2], sys.argv[2::2]))
with PO.open("rb") as source:
    catalog = read_po(source)
for message in catalog:
    if message.id in pairs:
        message.string = pairs.pop(message.id)
        message.flags.discard("fuzzy")
catalog.obsolete.clear()
with PO.open("wb") as target:
    write_po(target, catalog, width=79, no_location=True)
if pairs:
    sys.exit(f"not in the catalog: {', '.join(pairs)}")
