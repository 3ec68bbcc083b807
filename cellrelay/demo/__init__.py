"""The demo room, above every other: the fictional demo hospital (`hospital`), its cases (`cases`) recorded through
the services (`seed`), and synthetic data in bulk (`bulk`, drawn by the pure generators of `synthetic`). No domain
room imports it."""
