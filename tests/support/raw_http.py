"""HTTP by hand, for requests a well-behaved client library will not make.

Oversized bodies, bodies a server refuses halfway, and connections that stop
in the middle of their headers.
"""

from __future__ import annotations

import select
import socket
from pathlib import Path

CHUNK = 1024 * 1024


def _status(sock: socket.socket, timeout: float) -> int:
    """The status code of the response on ``sock``."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n" not in data:
        piece = sock.recv(4096)
        if not piece:
            break
        data += piece
    first = data.split(b"\r\n", 1)[0].split()
    if len(first) < 2:
        raise AssertionError(f"no HTTP status line in {data[:200]!r}")
    return int(first[1])


def _answered(sock: socket.socket, timeout: float) -> bool:
    readable, _, _ = select.select([sock], [], [], timeout)
    return bool(readable)


def post_large(port: int, size: int, *, wait_for_early_answer: float = 10.0) -> int:
    """POST ``size`` bytes with a Content-Length and no signature; returns the status.

    A server that judges the length from the headers answers before the body
    is sent, and the body is then never sent; a server that does not gets the
    whole body, as an attacker would send it.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        head = (
            "POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {size}\r\nConnection: close\r\n\r\n"
        )
        sock.sendall(head.encode())
        if not _answered(sock, wait_for_early_answer):
            sent, piece = 0, b"payload=" + b"a" * (CHUNK - 8)
            try:
                while sent < size:
                    part = piece[: min(CHUNK, size - sent)]
                    sock.sendall(part)
                    sent += len(part)
            except OSError:
                pass  # the server stopped reading; its answer says why
        return _status(sock, 60)


def post_chunked(port: int, size: int) -> int:
    """POST ``size`` bytes with chunked transfer encoding (no Content-Length)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        head = (
            "POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        sock.sendall(head.encode())
        sent, piece = 0, b"x" * 65536
        try:
            while sent < size and not _answered(sock, 0):
                sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
                sent += len(piece)
            if not _answered(sock, 0):
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass
        return _status(sock, 60)


def half_sent_headers(port: int) -> socket.socket:
    """A connection that has sent part of a request's headers, and then nothing."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")
    return sock


def memory_kb(pid: int, field: str) -> int:
    """``VmRSS`` (resident now) or ``VmHWM`` (peak) of a process, in kB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"{field} is not in /proc/{pid}/status")


def reset_peak(pid: int) -> bool:
    """Start a new peak-RSS measurement (Linux's clear_refs 5); False where not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True
