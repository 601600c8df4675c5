"""Plain typed records passed between the pipeline stages.

discover -> SourceFile; parse/evaluate -> Resource and ScanError; checks -> Finding.
Every stage takes and returns these and nothing else, so each can be tested alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any


class Severity(str, Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse; used for thresholds and sorting."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}

FRAMEWORKS = ("terraform", "kubernetes", "dockerfile")


class Unknown:
    """A value the evaluator could not compute (unset variable, data source, remote module...).

    Checks never see it directly: `Resource.get` raises `UnknownValue` when it meets one, so a
    predicate that depends on it answers "unknown" instead of a false failure.
    """

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unknown) and other.reason == self.reason

    def __hash__(self) -> int:
        return hash(("Unknown", self.reason))


class PartialDocument(Unknown):
    """A JSON string (jsonencode, aws_iam_policy_document) whose structure is known but some leaves are not.

    It is still an Unknown, so `Resource.get` raises on it as before; only code that can judge a partly
    known document reads `document`: the decoded structure with `Unknown` at the leaves not computed.
    """

    __slots__ = ("document",)

    def __init__(self, reason: str, document: Any) -> None:
        super().__init__(reason)
        self.document = document

    def __repr__(self) -> str:
        return f"PartialDocument({self.reason!r}, {self.document!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PartialDocument) and (other.reason, other.document) == (self.reason, self.document)

    def __hash__(self) -> int:
        return hash(("Unknown", self.reason))


class UnknownValue(Exception):
    """Raised by `Resource.get` when the requested value is unknown."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute, resolved
    rel: str  # posix path relative to the scan root
    kind: str  # terraform | tfvars | kubernetes | dockerfile | tfplan


@dataclass(frozen=True)
class Location:
    file: str  # posix path relative to the scan root
    start_line: int
    end_line: int | None = None
    start_column: int | None = None
    note: str = ""  # why a person should look here ("value from terraform.tfvars")


@dataclass
class Resource:
    """One framework-neutral thing a check can judge.

    `attributes` is plain Python data (dict/list/str/int/float/bool/None, `Unknown` where a
    value cannot be computed). Terraform nested blocks are lists of dicts, as in python-hcl2.
    `attribute_lines` maps dotted attribute paths ("ingress.0.cidr_blocks") to their line;
    `provenance` maps a path to where its value came from (variable default, tfvars line...).
    """

    framework: str
    type: str
    address: str
    attributes: dict[str, Any]
    location: Location
    scope: str = ""  # Terraform: module root directory; others: the file
    attribute_lines: dict[str, int] = field(default_factory=dict)
    provenance: dict[str, list[Location]] = field(default_factory=dict)
    references: list[tuple[str, str]] = field(default_factory=list)  # (attribute path, target address)
    extra: dict[str, Any] = field(default_factory=dict)  # framework details (namespace, actions...)

    @property
    def key(self) -> str:
        """Unique node key in the resource graph."""
        return f"{self.framework}:{self.scope}:{self.address}"

    def get(self, path: str, default: Any = None) -> Any:
        """Value at a dotted path (`a.b.0.c`); `default` if absent; raises UnknownValue if unknown."""
        value: Any = self.attributes
        for part in path.split(".") if path else []:
            if isinstance(value, Unknown):
                raise UnknownValue(path, value.reason)
            if isinstance(value, dict):
                if part not in value:
                    return default
                value = value[part]
            elif isinstance(value, list) and part.lstrip("-").isdigit():
                index = int(part)
                if not -len(value) <= index < len(value):
                    return default
                value = value[index]
            else:
                return default
        if isinstance(value, Unknown):
            raise UnknownValue(path, value.reason)
        return value

    def line_of(self, path: str | None) -> int:
        """Line of the attribute at `path`, or of its closest known parent, or the resource."""
        parts = path.split(".") if path else []
        while parts:
            line = self.attribute_lines.get(".".join(parts))
            if line:
                return line
            parts.pop()
        return self.location.start_line

    def location_of(self, path: str | None) -> Location:
        line = self.line_of(path)
        if line == self.location.start_line and not (path and path in self.attribute_lines):
            return self.location
        return Location(self.location.file, line, line)


@dataclass(frozen=True)
class ScanError:
    """A file (or part of one) that could not be read, parsed or evaluated."""

    file: str
    line: int | None
    message: str
    level: str = "error"  # error: the scan is incomplete; info: deliberately not scanned


@dataclass
class UnknownResult:
    """A check that could not decide because a value it needs is unknown."""

    check_id: str
    resource: Resource
    path: str
    reason: str


@dataclass
class Suppression:
    kind: str  # inSource | external | baseline
    justification: str
    location: Location | None = None


@dataclass
class Finding:
    check_id: str
    severity: Severity
    title: str
    message: str
    resource: Resource
    location: Location
    attribute: str | None = None
    related: list[Location] = field(default_factory=list)  # other resources of a graph finding
    trace: list[Location] = field(default_factory=list)  # where the offending value came from
    suppression: Suppression | None = None
    baseline_state: str | None = None  # new | unchanged (with --baseline)
    first_seen: str | None = None  # ISO date, from the baseline
    overdue: bool = False  # baselined but older than its SLA
    fingerprint: str = ""

    def is_blocking(self, threshold: Severity) -> bool:
        """The gate: not suppressed, new (or baselined but past its SLA), and at or above the threshold."""
        return (
            self.suppression is None
            and (self.baseline_state != "unchanged" or self.overdue)
            and self.severity.rank >= threshold.rank
        )

    @property
    def sort_key(self) -> tuple[Any, ...]:
        return (self.location.file, self.location.start_line, self.check_id, self.resource.address)


MAX_MESSAGE_CHARS = 240  # a message quotes at most this much of the offending input
MAX_ERRORS_PER_FILE = 20  # then one summary entry: a file of 100k bad lines is not 100k entries


def excerpt(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text` with control characters escaped, cut to `limit` characters: safe to print anywhere."""
    cut = text[: limit + 1]
    escaped = "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in cut)
    return escaped if len(escaped) <= limit and len(text) <= limit else escaped[:limit] + "…"


def bound_errors(errors: list[ScanError]) -> list[ScanError]:
    """Each message excerpted; per file and level, the first MAX_ERRORS_PER_FILE kept and the rest
    counted in one entry, so a hostile file can neither flood a report nor put itself into it."""
    out: list[ScanError] = []
    kept: dict[tuple[str, str], int] = {}
    dropped: dict[tuple[str, str], list[ScanError]] = {}
    for error in errors:
        key = (error.file, error.level)
        if kept.get(key, 0) >= MAX_ERRORS_PER_FILE:
            dropped.setdefault(key, []).append(error)
            continue
        kept[key] = kept.get(key, 0) + 1
        message = excerpt(error.message)
        out.append(error if message == error.message else ScanError(error.file, error.line, message, error.level))
    for (file, level), rest in dropped.items():
        lines = [e.line for e in rest if e.line]
        where = f", lines {min(lines)}-{max(lines)}" if lines else ""
        out.append(ScanError(file, rest[0].line, f"{len(rest):,} more {level}s in this file not shown{where}", level))
    return out
