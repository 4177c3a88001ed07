"""Errors the domain raises for bad input; adapters turn them into clear replies."""

from __future__ import annotations


class SitrepError(Exception):
    """Something the user asked for cannot be done; ``str()`` says why and what to do."""


class NotFound(SitrepError):
    pass


class InvalidInput(SitrepError):
    pass


class PermissionDenied(SitrepError):
    pass


class Conflict(SitrepError):
    """Someone else changed the same thing first; run again on what they committed."""
