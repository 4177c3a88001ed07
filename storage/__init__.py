"""Persistence: models, sessions, migrations and queries."""
