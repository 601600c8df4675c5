"""Stage 2: read and parse every discovered file, in parallel processes, cached by content hash.

Each parser module exposes `parse(text: str, rel: str) -> ParsedFile`. A parser never raises for
bad input: it returns ScanErrors naming the file and line, so one broken file never stops the scan.
Results travel (from workers) and rest (in the cache) as MessagePack, never as pickles.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import signal
import stat
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.files import read_regular, refusal
from scanner.records import Resource, ScanError, SourceFile, bound_errors, excerpt


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
    parsed = _parse_bytes(data, rel, kind)
    parsed.errors = bound_errors(parsed.errors)
    return parsed


def _parse_bytes(data: bytes, rel: str, kind: str) -> ParsedFile:
    if not data.strip():
        return ParsedFile(rel, kind)  # an empty file is simply empty, not an error
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ParsedFile(rel, kind, errors=[ScanError(rel, 1, "binary file, not text: not scanned")])
    try:
        text = decode(data)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return ParsedFile(rel, kind, errors=[ScanError(rel, line, f"not valid UTF-8 text (byte {exc.start})")])
    nul = text.find("\0")
    if nul >= 0:  # past the binary sniff: BuildKit's parser would silently stop reading at it
        return ParsedFile(rel, kind, errors=[ScanError(rel, text.count("\n", 0, nul) + 1, "NUL byte: not scanned")])
    try:
        return _parser_for(kind)(text, rel)
    except RecursionError:
        return ParsedFile(rel, kind, errors=[ScanError(rel, None, "too deeply nested to parse")])
    except Exception as exc:  # a parser bug must not stop the scan of everything else
        return ParsedFile(rel, kind, errors=[ScanError(rel, None, f"internal parser error: {exc!r}")])


class ParseCache:
    """Parse results on disk keyed by (parser version, kind, path, content hash), as MessagePack
    (`scanner.parsers.codec`): loading an entry cannot run code, and one that does not decode is a miss.

    A directory inside the scanned tree, or one that other users can write, is refused (`refused`
    says why): its entries would be the scanned repository's, or anyone's, word about what it contains.
    """

    def __init__(self, directory: Path | None, scanned_root: Path | None = None) -> None:
        self.refused = _unsafe_cache_directory(directory, scanned_root) if directory is not None else None
        self.directory = None if self.refused else directory

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

    def load(self, key: str, source: SourceFile) -> ParsedFile | None:
        """The cached parse of `source`, or None: missing, unreadable, corrupt or about another file."""
        from scanner.parsers import codec

        target = self.path(key)
        if target is None:
            return None
        try:
            parsed = codec.decode(read_regular(target, MAX_ENTRY_BYTES))
        except (OSError, codec.Corrupt):
            return None
        return parsed if (parsed.rel, parsed.kind) == (source.rel, source.kind) else None

    def store(self, key: str, blob: bytes) -> None:
        """Write an encoded ParsedFile; atomic, so a concurrent scan never reads half a file, and a
        failed write (a full disk) leaves no temporary file behind."""
        target = self.path(key)
        if target is None:
            return
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        try:
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with open(tmp, "wb") as handle:
                handle.write(blob)
            os.replace(tmp, target)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            if not isinstance(exc, OSError):
                raise  # ^C: no temporary file left either
            # a read-only or full cache directory only costs speed


MAX_ENTRY_BYTES = 256 * 1024 * 1024  # far above any real entry: a larger file is not an entry of ours


def _unsafe_cache_directory(directory: Path, scanned_root: Path | None) -> str | None:
    """Why `directory` must not hold the parse cache, or None when it may."""
    real = directory.resolve()
    if scanned_root is not None and real.is_relative_to(scanned_root.resolve()):
        return "it is inside the scanned tree"
    try:
        real.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None  # cannot be created: every store fails quietly, nothing is ever loaded
    for folder in (real, *real.parents):
        try:
            info = folder.stat()
        except OSError:
            continue
        writable_by_others = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        if folder == real and (writable_by_others or info.st_uid != os.geteuid()):
            return "it is writable by other users" if writable_by_others else "it belongs to another user"
        if info.st_mode & stat.S_IWOTH and not info.st_mode & stat.S_ISVTX:
            return f"{folder} is writable by every user"
    return None


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


def parse_encoded(job: tuple[bytes, str, str]) -> tuple[ParsedFile, bytes]:
    """The parse of one file and its encoding (the cache entry; what a worker sends back).

    A result that cannot be encoded (nested deeper than MessagePack's 511 levels: JSON or plan
    values 600 deep) is replaced by an error naming the file, in a worker or not, with a cache or not.
    """
    from scanner.parsers import codec

    parsed = parse_bytes(*job)
    try:
        return parsed, codec.encode(parsed)
    except codec.Unencodable as exc:
        parsed = _too_deep(job, exc)
        return parsed, codec.encode(parsed)


def _too_deep(job: tuple[bytes, str, str], exc: Exception) -> ParsedFile:
    rel, kind = job[1], job[2]
    return ParsedFile(rel, kind, errors=[ScanError(rel, None, f"too deeply nested to scan ({excerpt(str(exc), 80)})")])


def _worker_start(lifeline: Connection) -> None:
    """Set up a parse worker: it ignores ^C (the main process reports it, once), does not hold the
    main process's stdout (a downstream pipe would wait for it), and exits as soon as the main process
    is gone, whatever ended it (SIGTERM, SIGKILL): its fork server keeps it alive otherwise."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    threading.Thread(target=_exit_with_main_process, args=(lifeline,), daemon=True).start()


def _exit_with_main_process(lifeline: Connection) -> None:
    """Only the main process holds the other end: end of file means it has exited."""
    with contextlib.suppress(EOFError, OSError):
        lifeline.recv()
    os._exit(1)


def _parse_job_encoded(job: tuple[bytes, str, str]) -> bytes:
    """Worker side: encode once; the parent stores these bytes as the cache entry and decodes them once."""
    return parse_encoded(job)[1]


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
            data = read_regular(source.path)
        except OSError as exc:
            results[index] = ParsedFile(
                source.rel, source.kind, errors=[ScanError(source.rel, None, f"cannot read: {refusal(exc)}")]
            )
            continue
        key = cache.key(data, source)
        cached = cache.load(key, source)
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
        from scanner.parsers import codec

        context = _pool_context()
        lifeline, held = context.Pipe(duplex=False)
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_worker_start, initargs=(lifeline,)
        )
        try:
            blobs = pool.map(_parse_job_encoded, [p[2] for p in order], chunksize=4)
            for (index, key, job), blob in zip(order, blobs, strict=True):
                try:
                    results[index] = codec.decode(blob)
                except codec.Corrupt as exc:  # MessagePack unpacks a few levels less deep than it packs
                    results[index] = _too_deep(job, exc)
                    continue
                cache.store(key, blob)
                if progress:
                    progress(1)
        except BaseException:
            # ^C or a failure: no new file is started; the workers (which ignore ^C) finish their current
            # ones. Killing them instead breaks the pool, and Python 3.11's pool thread then fails on the
            # futures ^C cancelled and never lets the interpreter exit.
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        else:
            pool.shutdown(wait=True)
        finally:
            held.close()
            lifeline.close()
    else:
        for index, key, job in pending:
            parsed, blob = parse_encoded(job)
            results[index] = parsed
            cache.store(key, blob)
            if progress:
                progress(1)
    return [r for r in results if r is not None]
