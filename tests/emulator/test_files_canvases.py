"""files_upload_v2 end to end, files.info, channel canvases and bookmarks."""

from __future__ import annotations

from slack_sdk import WebClient

from emulator import SlackEmulator
from tests.emulator.helpers import slack_error


def test_files_upload_v2_into_a_channel(emu: SlackEmulator, client: WebClient) -> None:
    channel = emu.add_channel("inc-files")
    result = client.files_upload_v2(
        channel=channel,
        content=b"timeline...",
        filename="timeline.md",
        title="Timeline",
        initial_comment="Postmortem draft",
    )
    file_id = result["file"]["id"]
    [stored] = emu.files
    assert (
        stored["id"] == file_id
        and stored["content"] == b"timeline..."
        and stored["title"] == "Timeline"
    )
    assert stored["channels"] == [channel] and stored["initial_comment"] == "Postmortem draft"
    assert stored["filetype"] == "markdown"
    [message] = emu.messages(channel)
    assert message["text"] == "Postmortem draft" and message["files"][0]["id"] == file_id
    info = client.files_info(file=file_id)["file"]
    assert info["name"] == "timeline.md" and info["size"] == len(b"timeline...")


def test_files_upload_v2_into_a_thread(emu: SlackEmulator, client: WebClient) -> None:
    channel = emu.add_channel("inc-files-thread")
    parent = client.chat_postMessage(channel=channel, text="parent")["ts"]
    client.files_upload_v2(channel=channel, content="log", filename="app.log", thread_ts=parent)
    assert emu.replies(channel, parent)[0]["files"][0]["name"] == "app.log"
    assert emu.files[0]["thread_ts"] == parent


def test_file_errors(emu: SlackEmulator, client: WebClient) -> None:
    outside = emu.add_channel("not-mine", bot_member=False)
    assert (
        slack_error(client.files_upload_v2, channel=outside, content="x", filename="x.txt")
        == "not_in_channel"
    )
    assert (
        slack_error(client.files_completeUploadExternal, files=[{"id": "FNOPE"}])
        == "file_not_found"
    )
    assert slack_error(client.files_info, file="FNOPE") == "file_not_found"
    assert (
        slack_error(client.api_call, "files.getUploadURLExternal", params={"filename": "x"})
        == "missing_argument"
    )


def test_channel_canvas(emu: SlackEmulator, client: WebClient) -> None:
    channel = emu.add_channel("inc-canvas")
    content = {"type": "markdown", "markdown": "# Incident\n"}
    canvas_id = client.conversations_canvases_create(channel_id=channel, document_content=content)[
        "canvas_id"
    ]
    assert emu.channel(channel).canvas["markdown"] == "# Incident\n"  # type: ignore[union-attr,index]
    assert (
        slack_error(
            client.conversations_canvases_create, channel_id=channel, document_content=content
        )
        == "channel_canvas_already_exists"
    )
    assert (
        slack_error(
            client.conversations_canvases_create, channel_id="CNOPE", document_content=content
        )
        == "channel_canvas_creation_failed"
    )
    client.canvases_edit(
        canvas_id=canvas_id,
        changes=[
            {
                "operation": "insert_at_end",
                "document_content": {"type": "markdown", "markdown": "- 10:00 paged\n"},
            }
        ],
    )
    assert emu.channel(channel).canvas["markdown"] == "# Incident\n- 10:00 paged\n"  # type: ignore[union-attr,index]
    assert slack_error(client.canvases_edit, canvas_id="FNOPE", changes=[]) == "canvas_not_found"


def test_bookmarks(emu: SlackEmulator, client: WebClient) -> None:
    channel = emu.add_channel("inc-bookmarks")
    added = client.bookmarks_add(
        channel_id=channel, title="Runbook", type="link", link="https://runbook.example"
    )
    assert added["bookmark"]["title"] == "Runbook"
    assert [b["link"] for b in client.bookmarks_list(channel_id=channel)["bookmarks"]] == [
        "https://runbook.example"
    ]
    assert (
        slack_error(client.bookmarks_add, channel_id=channel, title="x", type="folder")
        == "invalid_bookmark_type"
    )
    assert (
        slack_error(
            client.bookmarks_add, channel_id=channel, title="x", type="link", link="ftp://x"
        )
        == "invalid_link"
    )
