"""Reading Slack's standard workspace export, zipped or unpacked, without extracting it.

An export holds ``channels.json`` (public channels), ``groups.json`` (private
ones, in exports that include them), ``users.json`` and one folder per channel
of ``YYYY-MM-DD.json`` files, each an array of messages. Anything malformed is
refused with a message that names the file, so whoever runs the import can fix it.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Any

from core.errors import InvalidInput, NotFound


@dataclass(frozen=True)
class ExportChannel:
    id: str
    name: str
    is_private: bool
    members: tuple[str, ...] = ()
    creator: str = ""
    topic: str = ""
    purpose: str = ""


class SlackExport:
    """Read access to an export, zipped or unpacked, without extracting it anywhere."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._zip: zipfile.ZipFile | None = None
        self._prefix = ""
        if self.path.is_file():
            try:
                self._zip = zipfile.ZipFile(self.path)
            except zipfile.BadZipFile as exc:
                raise InvalidInput(f"{self.path} is not a zip file or an export folder.") from exc
            # Some exports are zipped with a top folder around everything.
            names = self._zip.namelist()
            if "channels.json" not in names:
                nested = [n for n in names if PurePosixPath(n).name == "channels.json"]
                if nested:
                    self._prefix = str(PurePosixPath(nested[0]).parent) + "/"
        elif not self.path.is_dir():
            raise NotFound(f"There is no export at {self.path}.")
        if self.read("channels.json") is None and self.read("groups.json") is None:
            raise InvalidInput(
                f"{self.path} is not a Slack export: it has no channels.json or groups.json."
            )

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> SlackExport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _names(self, folder: str) -> list[str]:
        if self._zip is not None:
            prefix = self._prefix + folder + "/"
            return sorted(
                n[len(self._prefix) :]
                for n in self._zip.namelist()
                if n.startswith(prefix) and n.endswith(".json") and "/" not in n[len(prefix) :]
            )
        base = self.path / folder
        if not base.is_dir():
            return []
        return sorted(f"{folder}/{p.name}" for p in base.iterdir() if p.suffix == ".json")

    def read(self, name: str) -> Any:
        try:
            if self._zip is not None:
                raw = self._zip.read(self._prefix + name)
            else:
                file = self.path / name
                if not file.is_file():
                    return None
                raw = file.read_bytes()
        except KeyError:
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidInput(f"{name} in the export is not valid JSON: {exc}") from exc

    def channels(self) -> list[ExportChannel]:
        found = []
        for file, private in (("channels.json", False), ("groups.json", True)):
            for raw in self.read(file) or []:
                if not isinstance(raw, dict) or not raw.get("name"):
                    continue
                found.append(
                    ExportChannel(
                        id=str(raw.get("id") or raw["name"]),
                        name=str(raw["name"]),
                        is_private=private,
                        members=tuple(str(m) for m in raw.get("members") or []),
                        creator=str(raw.get("creator") or ""),
                        topic=str((raw.get("topic") or {}).get("value") or ""),
                        purpose=str((raw.get("purpose") or {}).get("value") or ""),
                    )
                )
        return found

    def channel(self, wanted: str) -> ExportChannel:
        name = wanted.strip().lstrip("#")
        for channel in self.channels():
            if name in (channel.name, channel.id):
                return channel
        known = ", ".join(sorted(c.name for c in self.channels())) or "none"
        raise NotFound(f"The export has no channel #{name}. Channels in it: {known}.")

    def users(self) -> list[dict[str, Any]]:
        return [u for u in self.read("users.json") or [] if isinstance(u, dict) and u.get("id")]

    def messages(self, channel: ExportChannel) -> list[dict[str, Any]]:
        """Every message of the channel, oldest first, each ts once."""
        seen: dict[str, dict[str, Any]] = {}
        for name in self._names(channel.name):
            day = self.read(name)
            if not isinstance(day, list):
                raise InvalidInput(f"{name} in the export is not a list of messages.")
            for message in day:
                if isinstance(message, dict) and ts_value(message.get("ts")) is not None:
                    seen.setdefault(str(message["ts"]), message)
        return sorted(seen.values(), key=lambda m: ts_value(m["ts"]) or Decimal(0))


def ts_value(ts: Any) -> Decimal | None:
    """A ``ts`` as an exact number to sort by; None when it is not one (a corrupt export)."""
    try:
        return Decimal(str(ts))
    except (InvalidOperation, ValueError):
        return None
