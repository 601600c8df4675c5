"""Reading files of an untrusted repository: regular files only, never more than a limit.

A FIFO named `main.tf` blocks `open()` forever, a symlink to `/dev/zero` never ends, and a file can
be swapped for a symlink between discovery and reading. Every read of scanned content goes through
`read_regular`: the last component is opened without following a symlink and without blocking,
the open descriptor must be a regular file, and at most `limit` bytes are read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_FILE_BYTES = 20 * 1024 * 1024  # larger files are reported, not read


class FileRefused(OSError):
    """Not a regular file, or over the size limit: reported, not read."""


def describe_mode(mode: int) -> str:
    """What a non-regular file is, for messages."""
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a directory"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def read_regular(path: Path | str, limit: int | None = None, *, whole: bool = True) -> bytes:
    """At most `limit` (default MAX_FILE_BYTES) bytes of the regular file `path`, whose last
    component is not a symlink.

    With `whole`, a file longer than `limit` raises FileRefused; without, its first `limit` bytes
    are returned (a head to classify the file by).
    """
    limit = MAX_FILE_BYTES if limit is None else limit
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(f"{describe_mode(info.st_mode)}, not a regular file: not read")
        if whole and info.st_size > limit:
            raise FileRefused(f"file too large to scan ({info.st_size:,} bytes; limit {limit:,})")
        chunks: list[bytes] = []
        remaining = limit + 1 if whole else limit
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if whole and len(data) > limit:  # grew after the stat
        raise FileRefused(f"file too large to scan (over {limit:,} bytes)")
    return data


def refusal(exc: OSError) -> str:
    """The message of a failed read: the refusal's own, or the system's reason."""
    if isinstance(exc, FileRefused):
        return str(exc)
    if getattr(exc, "errno", None) == 40:  # ELOOP: O_NOFOLLOW met a symlink
        return "became a symlink after discovery: not read"
    return exc.strerror or str(exc)
