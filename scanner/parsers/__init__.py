"""Stage 2: read and parse every discovered file, in parallel processes, cached by content hash.

Each parser module exposes `parse(text: str, rel: str) -> ParsedFile`. A parser never raises for
bad input: it returns ScanErrors naming the file and line, so one broken file never stops the scan.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.records import Resource, ScanError, SourceFile


def _parser_code_hash() -> str:
    """Cache entries die with any change to the parser code or to the records it pickles, not only
    with a version bump."""
    digest = hashlib.sha256(__version__.encode())
    for path in [*sorted(Path(__file__).parent.glob("*.py")), Path(__file__).parent.parent / "records.py"]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


_PARSER_CODE_HASH = _parser_code_hash()
PARALLEL_MIN_FILES = 8
# Starting the fork server and two workers costs about 0.35 s, so the pool is used only when the
# estimated single-core parse time is well above that. Parse rates measured on the shared corpus
# (one core, parser start-up included): Terraform 0.45 MB/s, Kubernetes YAML with line marks
# 2.2 MB/s, Dockerfiles 2.5 MB/s.
PARALLEL_MIN_SECONDS = 0.75
_BYTES_PER_SECOND = {"terraform": 450_000, "tfvars": 450_000, "kubernetes": 2_200_000, "dockerfile": 2_500_000}


def estimated_seconds(jobs: list[tuple[bytes, str, str]]) -> float:
    """Single-core parse time of (data, rel, kind) jobs, from the measured rates above."""
    return sum(len(data) / _BYTES_PER_SECOND.get(kind, 1_000_000) for data, _, kind in jobs)


@dataclass
class ParsedFile:
    rel: str
    kind: str
    resources: list[Resource] = field(default_factory=list)  # Kubernetes objects, Dockerfile stages, plans
    payload: Any = None  # Terraform: the file's blocks, handed to the evaluator
    errors: list[ScanError] = field(default_factory=list)


def _parser_for(kind: str) -> Callable[[str, str], ParsedFile]:
    if kind in ("terraform", "tfvars"):
        from scanner.parsers import terraform

        return terraform.parse if kind == "terraform" else terraform.parse_tfvars
    if kind == "kubernetes":
        from scanner.parsers import kubernetes

        return kubernetes.parse
    if kind == "dockerfile":
        from scanner.parsers import dockerfile

        return dockerfile.parse
    if kind == "tfplan":
        from scanner.parsers import tfplan

        return tfplan.parse
    raise ValueError(f"no parser for {kind}")


def decode(data: bytes) -> str:
    """Text of a file: UTF-8 (with or without BOM) or UTF-16 with a BOM (PowerShell redirection).

    CRLF line ends (a Windows checkout with `core.autocrlf`) become LF: python-hcl2's grammar
    rejects a carriage return, and every parser counts lines the same way afterwards.
    """
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    text = data.decode("utf-16") if utf16 else data.decode("utf-8-sig")
    return text.replace("\r\n", "\n") if "\r" in text else text


def parse_bytes(data: bytes, rel: str, kind: str) -> ParsedFile:
    if not data.strip():
        return ParsedFile(rel, kind)  # an empty file is simply empty, not an error
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ParsedFile(rel, kind, errors=[ScanError(rel, 1, "binary file, not text: not scanned")])
    try:
        text = decode(data)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return ParsedFile(rel, kind, errors=[ScanError(rel, line, f"not valid UTF-8 text (byte {exc.start})")])
    try:
        return _parser_for(kind)(text, rel)
    except RecursionError:
        return ParsedFile(rel, kind, errors=[ScanError(rel, None, "too deeply nested to parse")])
    except Exception as exc:  # a parser bug must not stop the scan of everything else
        return ParsedFile(rel, kind, errors=[ScanError(rel, None, f"internal parser error: {exc!r}")])


class ParseCache:
    """Parse results on disk keyed by (parser version, kind, path, content hash)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    @staticmethod
    def default_directory() -> Path:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        return Path(base) / "iacgate" / __version__

    def key(self, data: bytes, source: SourceFile) -> str:
        digest = hashlib.sha256()
        for part in (_PARSER_CODE_HASH, source.kind, source.rel):
            digest.update(part.encode() + b"\0")
        digest.update(data)
        return digest.hexdigest()

    def path(self, key: str) -> Path | None:
        return None if self.directory is None else self.directory / key[:2] / key

    def load(self, key: str) -> ParsedFile | None:
        target = self.path(key)
        if target is None:
            return None
        try:
            with open(target, "rb") as handle:
                return pickle.load(handle)
        except Exception:  # missing, truncated or from another Python: parse again
            return None

    def store(self, key: str, parsed: ParsedFile) -> None:
        self.store_blob(key, pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL))

    def store_blob(self, key: str, blob: bytes) -> None:
        """Write an already pickled ParsedFile; atomic, so a concurrent scan never reads half a file."""
        target = self.path(key)
        if target is None:
            return
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as handle:
                handle.write(blob)
            os.replace(tmp, target)
        except OSError:
            pass  # a read-only cache directory only costs speed


def _pool_context() -> multiprocessing.context.BaseContext:
    """Workers come from a fork server, never forked from this process.

    The Dockerfile parser is a Go shared library: once this process has loaded it (the Dockerfile
    checks import the parser module), a worker forked from here inherits a Go runtime without its
    threads and hangs forever in its first large parse (measured: `iacgate scan` on
    docker-library/php never finished). The fork server is a fresh interpreter that only preloads
    this package, which loads no parser library, so its children start clean.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _parse_job(job: tuple[bytes, str, str]) -> ParsedFile:
    return parse_bytes(*job)


def _parse_job_pickled(job: tuple[bytes, str, str]) -> bytes:
    """Worker side: pickle the result once; the parent stores these bytes as the cache entry and
    unpickles them once, instead of unpickling the IPC copy and pickling it again for the cache."""
    return pickle.dumps(parse_bytes(*job), protocol=pickle.HIGHEST_PROTOCOL)


def parse_all(
    sources: Iterable[SourceFile],
    cache: ParseCache,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[ParsedFile]:
    """Parse every file, reusing cached results; results come back in input order."""
    sources = list(sources)
    results: list[ParsedFile | None] = [None] * len(sources)
    pending: list[tuple[int, str, tuple[bytes, str, str]]] = []
    for index, source in enumerate(sources):
        try:
            data = source.path.read_bytes()
        except OSError as exc:
            results[index] = ParsedFile(
                source.rel, source.kind, errors=[ScanError(source.rel, None, f"cannot read: {exc.strerror}")]
            )
            continue
        key = cache.key(data, source)
        cached = cache.load(key)
        if cached is not None:
            results[index] = cached
            if progress:
                progress(1)
        else:
            pending.append((index, key, (data, source.rel, source.kind)))

    workers = workers if workers is not None else (os.cpu_count() or 1)
    jobs = [p[2] for p in pending]
    if workers > 1 and len(jobs) >= PARALLEL_MIN_FILES and estimated_seconds(jobs) >= PARALLEL_MIN_SECONDS:
        # big files first so the pool does not end waiting on one straggler
        order = sorted(pending, key=lambda p: -len(p[2][0]))
        with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool:
            blobs = pool.map(_parse_job_pickled, [p[2] for p in order], chunksize=4)
            for (index, key, _), blob in zip(order, blobs, strict=True):
                results[index] = pickle.loads(blob)
                cache.store_blob(key, blob)
                if progress:
                    progress(1)
    else:
        for index, key, job in pending:
            parsed = _parse_job(job)
            results[index] = parsed
            cache.store(key, parsed)
            if progress:
                progress(1)
    return [r for r in results if r is not None]
