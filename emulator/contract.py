"""What each implemented Web API method requires and which errors it may answer.

This table is the emulator's promise to stay inside Slack's published contract:
``tests/emulator/test_contract.py`` compares it with Slack's reference, and the
dispatcher flags (in ``SlackEmulator.internal_errors``) any error a handler
raises that is not listed here, so the emulator cannot invent error codes.

``missing`` names the code Slack answers when a required argument is absent
(Slack uses a method-specific code for many of them; ``missing_argument``
otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Errors Slack documents as possible on every Web API method ("Common errors").
COMMON_ERRORS: frozenset[str] = frozenset(
    {
        "access_denied",
        "accesslimited",
        "account_inactive",
        "deprecated_endpoint",
        "ekm_access_denied",
        "enterprise_is_restricted",
        "fatal_error",
        "internal_error",
        "invalid_arg_name",
        "invalid_arguments",
        "invalid_array_arg",
        "invalid_auth",
        "invalid_charset",
        "invalid_form_data",
        "invalid_json",
        "invalid_post_type",
        "is_bot",
        "json_not_object",
        "method_deprecated",
        "missing_argument",
        "missing_post_type",
        "missing_scope",
        "no_permission",
        "not_allowed_token_type",
        "not_authed",
        "org_login_required",
        "ratelimited",
        "request_timeout",
        "service_unavailable",
        "team_access_not_granted",
        "team_added_to_org",
        "token_expired",
        "token_revoked",
        "two_factor_setup_required",
        "upgrade_required",
    }
)


@dataclass(frozen=True)
class MethodContract:
    """Required arguments (token excluded) and method-specific error codes."""

    required: tuple[str, ...]
    errors: frozenset[str]
    missing: dict[str, str] = field(default_factory=dict)
    app_token: bool = False

    def missing_code(self, arg: str) -> str:
        """The error for a missing required argument."""
        return self.missing.get(arg, "missing_argument")

    def allows(self, code: str) -> bool:
        """True when Slack documents this code for the method (or for all methods)."""
        return code in self.errors or code in COMMON_ERRORS


def _c(
    required: str, errors: str, missing: dict[str, str] | None = None, app_token: bool = False
) -> MethodContract:
    return MethodContract(
        tuple(required.split()), frozenset(errors.split()), missing or {}, app_token
    )


_CHANNEL = {"channel": "channel_not_found"}
_NAME_ERRORS = (
    "invalid_name_required invalid_name_maxlength invalid_name_specials invalid_name_punctuation "
    "name_taken"
)
_NOT_CHANNEL = "method_not_supported_for_channel_type"
_BLOCK_ERRORS = (
    "invalid_blocks invalid_blocks_format markdown_text_conflict no_text too_many_attachments"
)
_TRIGGER_ERRORS = "invalid_trigger_id expired_trigger_id exchanged_trigger_id"

CONTRACT: dict[str, MethodContract] = {
    "auth.test": _c("", ""),
    "team.info": _c("", ""),
    "apps.connections.open": _c("", "invalid_auth insecure_request", app_token=True),
    "chat.postMessage": _c(
        "channel",
        f"channel_not_found not_in_channel is_archived invalid_metadata_format {_BLOCK_ERRORS}",
        _CHANNEL,
    ),
    "chat.postEphemeral": _c(
        "user channel",
        f"channel_not_found user_not_in_channel is_archived {_BLOCK_ERRORS}",
        {"channel": "channel_not_found", "user": "user_not_in_channel"},
    ),
    "chat.update": _c(
        "ts channel",
        f"channel_not_found message_not_found cant_update_message {_BLOCK_ERRORS}",
        {"channel": "channel_not_found", "ts": "message_not_found"},
    ),
    "chat.delete": _c(
        "ts channel",
        "channel_not_found message_not_found cant_delete_message",
        {"channel": "channel_not_found", "ts": "message_not_found"},
    ),
    "chat.getPermalink": _c(
        "channel message_ts",
        "channel_not_found message_not_found",
        {"channel": "channel_not_found", "message_ts": "message_not_found"},
    ),
    "conversations.create": _c("name", _NAME_ERRORS, {"name": "invalid_name_required"}),
    "conversations.rename": _c(
        "channel name",
        f"{_NAME_ERRORS} channel_not_found is_archived not_in_channel {_NOT_CHANNEL}",
        {"channel": "channel_not_found", "name": "invalid_name_required"},
    ),
    "conversations.invite": _c(
        "channel users",
        "channel_not_found no_user user_not_found already_in_channel cant_invite_self "
        f"not_in_channel is_archived {_NOT_CHANNEL}",
        {"channel": "channel_not_found", "users": "no_user"},
    ),
    "conversations.join": _c(
        "channel", "channel_not_found is_archived method_not_supported_for_channel_type", _CHANNEL
    ),
    "conversations.kick": _c(
        "channel",
        f"channel_not_found user_not_found cant_kick_self not_in_channel {_NOT_CHANNEL}",
        _CHANNEL,
    ),
    "conversations.leave": _c(
        "channel",
        "channel_not_found is_archived last_member method_not_supported_for_channel_type",
        _CHANNEL,
    ),
    "conversations.archive": _c(
        "channel",
        "channel_not_found already_archived not_in_channel method_not_supported_for_channel_type",
        _CHANNEL,
    ),
    "conversations.unarchive": _c(
        "channel", "channel_not_found not_archived method_not_supported_for_channel_type", _CHANNEL
    ),
    "conversations.info": _c("channel", "channel_not_found", _CHANNEL),
    "conversations.list": _c("", "invalid_cursor invalid_limit invalid_types"),
    "conversations.members": _c(
        "channel", "channel_not_found invalid_cursor invalid_limit", _CHANNEL
    ),
    "conversations.setTopic": _c(
        "channel topic", "channel_not_found is_archived not_in_channel too_long", _CHANNEL
    ),
    "conversations.setPurpose": _c(
        "channel purpose", "channel_not_found is_archived not_in_channel too_long", _CHANNEL
    ),
    "conversations.history": _c(
        "channel",
        "channel_not_found not_in_channel invalid_cursor invalid_ts_latest invalid_ts_oldest",
        _CHANNEL,
    ),
    "conversations.replies": _c(
        "channel ts",
        "channel_not_found thread_not_found invalid_cursor invalid_ts_latest invalid_ts_oldest",
        {"channel": "channel_not_found", "ts": "thread_not_found"},
    ),
    "conversations.open": _c(
        "", "users_list_not_supplied user_not_found too_many_users channel_not_found"
    ),
    "conversations.canvases.create": _c(
        "channel_id", "channel_canvas_already_exists channel_canvas_creation_failed"
    ),
    "canvases.edit": _c("canvas_id changes", "canvas_not_found canvas_editing_failed"),
    "pins.add": _c(
        "channel",
        "channel_not_found message_not_found already_pinned no_item_specified not_in_channel "
        "bad_timestamp",
        _CHANNEL,
    ),
    "pins.remove": _c(
        "channel", "channel_not_found no_item_specified not_pinned bad_timestamp", _CHANNEL
    ),
    "pins.list": _c("channel", "channel_not_found", _CHANNEL),
    "reactions.add": _c(
        "name timestamp channel",
        "channel_not_found message_not_found already_reacted invalid_name no_item_specified "
        "is_archived",
        {"channel": "channel_not_found", "timestamp": "no_item_specified", "name": "invalid_name"},
    ),
    "reactions.remove": _c(
        "name",
        "channel_not_found message_not_found no_reaction invalid_name no_item_specified",
        {"name": "invalid_name"},
    ),
    "reactions.get": _c("", "channel_not_found message_not_found no_item_specified"),
    "usergroups.list": _c("", "plan_upgrade_required"),
    "usergroups.users.list": _c(
        "usergroup", "no_such_subteam plan_upgrade_required", {"usergroup": "no_such_subteam"}
    ),
    "users.info": _c("user", "user_not_found", {"user": "user_not_found"}),
    "users.list": _c("", "invalid_cursor"),
    "users.lookupByEmail": _c("email", "users_not_found", {"email": "users_not_found"}),
    "users.conversations": _c("", "invalid_cursor invalid_limit invalid_types"),
    "views.open": _c(
        "view",
        f"{_TRIGGER_ERRORS} view_too_large duplicate_external_id",
        {"view": "invalid_arguments"},
    ),
    "views.push": _c(
        "view",
        f"{_TRIGGER_ERRORS} view_too_large duplicate_external_id push_limit_reached",
        {"view": "invalid_arguments"},
    ),
    "views.update": _c(
        "view",
        "not_found hash_conflict view_too_large duplicate_external_id",
        {"view": "invalid_arguments"},
    ),
    "views.publish": _c(
        "user_id view",
        "hash_conflict view_too_large duplicate_external_id",
        {"view": "invalid_arguments", "user_id": "invalid_arguments"},
    ),
    "files.getUploadURLExternal": _c("length filename", ""),
    "files.completeUploadExternal": _c("files", "file_not_found channel_not_found not_in_channel"),
    "files.info": _c("file", "file_not_found", {"file": "file_not_found"}),
    "bookmarks.add": _c("title type", "channel_not_found invalid_bookmark_type invalid_link"),
    "bookmarks.list": _c("", "channel_not_found"),
}
