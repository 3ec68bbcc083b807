"""Synthetic patients, pathway and product chains as plain values (no Django), for `seed_synthetic` and the
benchmarks; `demo.bulk` inserts them."""
