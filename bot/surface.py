"""Everything the app answers to, recorded as it registers with Bolt.

The manifest test compares this with ``bot/manifest.yaml`` both ways, so a handler
without a manifest entry (or the reverse) fails CI instead of failing in Slack.

It is also where Sitrep decides which thread runs what. Bolt's app runs in
``process_before_response`` mode, so each acknowledgement runs on the thread
that received the request and is answered as soon as it returns; nothing an
acknowledgement needs ever waits behind slow work. Everything slow is a lazy
listener on the bounded work pool (``bot.work_pool``), and first makes sure
that a replayed request does nothing twice (``bot.request_checks``). Slack
calls made before ``ack()`` (a modal checking a person) get a client with a
short timeout and no retries, so a slow Slack turns into a prompt "try again",
never a missed acknowledgement.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest
from slack_bolt.kwargs_injection import build_required_kwargs
from slack_sdk import WebClient

from bot.queued import QueuedNotices
from bot.request_checks import Replays
from bot.work_pool import WorkPool

Listener = Callable[..., Any]

# Set in a request's context by an acknowledgement that answered in full, so
# the lazy listeners Bolt starts anyway have nothing left to do.
ANSWERED = "sitrep_answered"


def mark_answered(context: BoltContext) -> None:
    context[ANSWERED] = True


@dataclass
class Surface:
    app: App
    pool: WorkPool
    # For Slack calls made before ack(): short timeout, no retries.
    quick_client: WebClient
    queued: QueuedNotices
    replays: Replays
    commands: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    message_shortcuts: set[str] = field(default_factory=set)
    global_shortcuts: set[str] = field(default_factory=set)
    views: set[str] = field(default_factory=set)
    actions: set[str] = field(default_factory=set)

    def command(self, name: str, ack: Listener, lazy: list[Listener]) -> None:
        self.commands.add(name)
        self.app.command(name)(ack=self._acknowledger(ack), lazy=self._lazy(lazy))

    def event(
        self,
        event_type: str,
        handler: Listener,
        *,
        subscriptions: tuple[str, ...] = (),
        inline: bool = False,
        **matchers: Any,
    ) -> None:
        """``matchers`` narrows the event (e.g. ``subtype``) without changing the manifest.

        ``subscriptions`` names the manifest's bot events when they differ from
        the event type: ``message`` arrives through ``message.channels`` and
        ``message.groups``. ``inline`` handlers run before the acknowledgement,
        on the receiving thread: only for handlers that take microseconds and
        call nobody, such as capture's, which only queues the event.
        """
        self.events.update(subscriptions or (event_type,))
        listen = self.app.event({"type": event_type, **matchers})
        if inline:
            listen(handler)
        else:
            listen(ack=_just_ack, lazy=self._lazy([handler]))

    def message_shortcut(self, callback_id: str, ack: Listener, lazy: list[Listener]) -> None:
        self.message_shortcuts.add(callback_id)
        self.app.shortcut({"callback_id": callback_id, "type": "message_action"})(
            ack=self._acknowledger(ack), lazy=self._lazy(lazy)
        )

    def global_shortcut(self, callback_id: str, ack: Listener, lazy: list[Listener]) -> None:
        self.global_shortcuts.add(callback_id)
        self.app.shortcut({"callback_id": callback_id, "type": "shortcut"})(
            ack=self._acknowledger(ack), lazy=self._lazy(lazy)
        )

    def view(self, callback_id: str, ack: Listener, lazy: list[Listener] | None = None) -> None:
        self.views.add(callback_id)
        self.app.view(callback_id)(ack=self._acknowledger(ack), lazy=self._lazy(lazy or []))

    def action(self, action_id: str, ack: Listener, lazy: list[Listener] | None = None) -> None:
        self.actions.add(action_id)
        self.app.action(action_id)(ack=self._acknowledger(ack), lazy=self._lazy(lazy or []))

    # ----- the two kinds of work --------------------------------------------

    def _acknowledger(self, ack_function: Listener) -> Listener:
        """Run ``ack_function`` with the quick client, then say so if its work must queue."""
        names = _arg_names(ack_function)

        def acknowledge(request: BoltRequest, logger: logging.Logger) -> None:
            kwargs = _kwargs(ack_function, names, request, logger)
            if "client" in kwargs:
                kwargs["client"] = self.quick_client
            ack_function(**kwargs)
            if self.pool.saturated and not request.context.get(ANSWERED):
                self.queued.tell(request)

        _name_like(acknowledge, ack_function)
        return acknowledge

    def _lazy(self, functions: list[Listener]) -> list[Listener]:
        return [self._slow(function) for function in functions]

    def _slow(self, function: Listener) -> Listener:
        names = _arg_names(function)

        def work(request: BoltRequest, logger: logging.Logger) -> None:
            if request.context.get(ANSWERED):
                return
            if not self.replays.first_run(request, work.__qualname__):
                logger.info("a replayed request: %s was done for it already", work.__name__)
                return
            function(**_kwargs(function, names, request, logger))

        _name_like(work, function)
        return work


def _just_ack() -> None:
    """Events are acknowledged by Bolt itself; their work is all lazy."""


def _arg_names(function: Listener) -> list[str]:
    return list(inspect.signature(function).parameters)


def _kwargs(
    function: Listener, names: list[str], request: BoltRequest, logger: logging.Logger
) -> dict[str, Any]:
    """What Bolt would have given ``function`` had it been registered directly."""
    return build_required_kwargs(
        logger=logger,
        required_arg_names=list(names),  # Bolt may pop from it
        request=request,
        response=None,
        this_func=function,
        next_keys_required=False,
    )


def _name_like(wrapper: Listener, function: Listener) -> None:
    """Bolt tells lazy listeners apart by name; keep the wrapped function's."""
    wrapper.__name__ = getattr(function, "__name__", wrapper.__name__)
    wrapper.__qualname__ = getattr(function, "__qualname__", wrapper.__qualname__)
