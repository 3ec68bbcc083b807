"""The demo room, above every other: the fictional demo hospital (`hospital`), its cases seeded through the
services (`seed`), and the synthetic generators for bulk data (`synthetic`). No domain room imports it."""
