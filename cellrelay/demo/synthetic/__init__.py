"""Synthetic patients, pathway and product chains as plain values (no Django), for `seed_synthetic` and the
benchmarks; the command inserts them in bulk."""
