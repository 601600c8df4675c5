"""The memory ceiling of an iacgate process, so a hostile input fails one file, not the CI runner.

Every iacgate process (the main one and each parse worker, which inherit it) may grow its data
segment to `IACGATE_MEMORY_LIMIT_MB` MiB (default 4096; 0 for none), enforced by the kernel through
RLIMIT_DATA. Past it an allocation fails with MemoryError: in a parser that is an error naming the
file, in evaluation an unknown root module, and anywhere else one line and exit 2. The full shared
corpus peaks at about 400 MiB per process. RLIMIT_DATA counts the memory a process writes to, unlike
RLIMIT_AS, which also counts the address space the Go runtime of the Dockerfile parser reserves.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

MEMORY_LIMIT_ENV = "IACGATE_MEMORY_LIMIT_MB"
DEFAULT_MEMORY_LIMIT_MB = 4096


class LimitError(ValueError):
    """An unusable IACGATE_MEMORY_LIMIT_MB."""


def memory_limit_mb(environ: Mapping[str, str] = os.environ) -> int | None:
    """The configured ceiling in MiB, None for none."""
    raw = environ.get(MEMORY_LIMIT_ENV, "").strip()
    if not raw:
        return DEFAULT_MEMORY_LIMIT_MB
    if not raw.isdigit():
        raise LimitError(f"{MEMORY_LIMIT_ENV}={raw!r}: expected a number of MiB (0 for no limit)")
    return int(raw) or None


def apply_memory_limit(megabytes: int | None) -> None:
    """Lower this process's RLIMIT_DATA to `megabytes` MiB (never above the hard limit already set)."""
    try:
        import resource
    except ImportError:  # not on POSIX: no ceiling
        return
    if megabytes is None:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    wanted = megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft == resource.RLIM_INFINITY or wanted < soft:
        resource.setrlimit(resource.RLIMIT_DATA, (wanted, hard))
