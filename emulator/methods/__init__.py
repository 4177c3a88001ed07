"""Web API handlers, one module per method family; importing this registers them all."""

from emulator.methods import (  # noqa: F401  (imported to register handlers)
    apps,
    bookmarks,
    canvases,
    chat,
    conversations,
    files,
    pins,
    reactions,
    reading,
    usergroups,
    users,
    views,
)
from emulator.methods.registry import HANDLERS, Ctx

__all__ = ["HANDLERS", "Ctx"]
