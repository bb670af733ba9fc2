"""Turning connector records into stored interactions: the ingest service (see service.py)."""
