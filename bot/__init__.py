"""Sitrep: a Slack-first incident management bot."""
