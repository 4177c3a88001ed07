"""Bringing history in from outside Sitrep."""
