"""Microwork pages, one module per area: work (the worker's side), clients, review."""
