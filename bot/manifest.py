"""The Slack app manifest that ships inside the package.

It is package data rather than a file at the top of the checkout so that an
installed Sitrep (a wheel, the container image) can hand it out for app setup
(``sitrep manifest``) and check a token's scopes against it, from any
working directory.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import yaml

# The placeholder the manifest uses for the three request URLs.
EXAMPLE_URL = "https://sitrep.example.com"
_SOCKET_MODE = re.compile(r"^(\s*socket_mode_enabled:\s*)false\s*$", re.MULTILINE)


def manifest_text() -> str:
    return resources.files("bot").joinpath("manifest.yaml").read_text(encoding="utf-8")


def load_manifest() -> dict[str, Any]:
    return yaml.safe_load(manifest_text())


def tailored(base_url: str = "", socket_mode: bool = False) -> str:
    """The manifest for one install, edited as text so its comments survive.

    ``base_url`` replaces the placeholder host in the request URLs (HTTP mode);
    ``socket_mode`` turns Socket Mode on, where Slack ignores those URLs.
    """
    text = manifest_text()
    if base_url:
        text = text.replace(EXAMPLE_URL, base_url.rstrip("/"))
    if socket_mode:
        text, count = _SOCKET_MODE.subn(r"\1true", text)
        if count != 1:
            raise ValueError("manifest.yaml has no 'socket_mode_enabled: false' line to change")
    return text
