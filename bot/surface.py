"""Everything the app answers to, recorded as it registers with Bolt.

The manifest test compares this with ``bot/manifest.yaml`` both ways, so a handler
without a manifest entry (or the reverse) fails CI instead of failing in Slack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App

Listener = Callable[..., Any]


@dataclass
class Surface:
    app: App
    commands: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    message_shortcuts: set[str] = field(default_factory=set)
    global_shortcuts: set[str] = field(default_factory=set)
    views: set[str] = field(default_factory=set)
    actions: set[str] = field(default_factory=set)

    def command(self, name: str, ack: Listener, lazy: list[Listener]) -> None:
        self.commands.add(name)
        self.app.command(name)(ack=ack, lazy=lazy)

    def event(
        self,
        event_type: str,
        handler: Listener,
        *,
        subscriptions: tuple[str, ...] = (),
        **matchers: Any,
    ) -> None:
        """``matchers`` narrows the event (e.g. ``subtype``) without changing the manifest.

        ``subscriptions`` names the manifest's bot events when they differ from
        the event type: ``message`` arrives through ``message.channels`` and
        ``message.groups``.
        """
        self.events.update(subscriptions or (event_type,))
        self.app.event({"type": event_type, **matchers})(handler)

    def message_shortcut(self, callback_id: str, ack: Listener, lazy: list[Listener]) -> None:
        self.message_shortcuts.add(callback_id)
        self.app.shortcut({"callback_id": callback_id, "type": "message_action"})(
            ack=ack, lazy=lazy
        )

    def global_shortcut(self, callback_id: str, ack: Listener, lazy: list[Listener]) -> None:
        self.global_shortcuts.add(callback_id)
        self.app.shortcut({"callback_id": callback_id, "type": "shortcut"})(ack=ack, lazy=lazy)

    def view(self, callback_id: str, ack: Listener, lazy: list[Listener] | None = None) -> None:
        self.views.add(callback_id)
        if lazy:
            self.app.view(callback_id)(ack=ack, lazy=lazy)
        else:
            self.app.view(callback_id)(ack)

    def action(self, action_id: str, ack: Listener, lazy: list[Listener] | None = None) -> None:
        self.actions.add(action_id)
        if lazy:
            self.app.action(action_id)(ack=ack, lazy=lazy)
        else:
            self.app.action(action_id)(ack)
