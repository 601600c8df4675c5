"""Plain typed records passed between the pipeline stages.

discover -> SourceFile; parse/evaluate -> Resource and ScanError; checks -> Evaluated (Finding,
UnknownResult); the whole run -> ScanResult, which the filter and the reports read.
Every stage takes and returns these and nothing else, so each can be tested alone, and no stage
edits a record another stage made: it builds a new one (`dataclasses.replace`).

What a check may read of a resource: its `type`, `address`, attribute values through
`Resource.get`, and its framework metadata (`Resource.meta`: `TerraformMeta`, `KubernetesMeta` or
`DockerfileMeta`, typed and documented below).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scanner.graph import ResourceGraph
    from scanner.registry import Check


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
    kind: str  # terraform | tfvars | kubernetes | dockerfile | tfplan | stream (Kubernetes YAML from stdin)


@dataclass(frozen=True)
class Location:
    file: str  # posix path relative to the scan root
    start_line: int
    end_line: int | None = None
    start_column: int | None = None
    note: str = ""  # why a person should look here ("value from terraform.tfvars")


@dataclass(frozen=True)
class PlanChange:
    """What a Terraform plan does to one resource instance (`iacgate plan`)."""

    mode: str = "managed"  # managed | data (a data source read for the plan)
    actions: tuple[str, ...] = ()  # Terraform's actions: ("create",), ("delete", "create"), ("no-op",), ("read",)
    # judged by the checks (a created or updated managed resource); the others are context for graph checks
    gated: bool = True
    index: int | str | None = None  # the count index or for_each key of the instance, None without one


@dataclass(frozen=True)
class TerraformMeta:
    """Where a Terraform resource instance comes from."""

    module: str = ""  # module instance address (`module.app`, `module.sg["a"]`); "" in the root module
    # the `module` blocks that instantiated it, from the root down (HCL only); findings list them as related
    called_by: tuple[Location, ...] = ()
    # "unknown: <why>" when count/for_each could not be computed and this one resource stands for every
    # instance (its count.index / each.* are unknown); "" otherwise
    instances: str = ""
    # provider source -> version constraint from `terraform { required_providers { ... } }` of the
    # resource's module, falling back per provider to the calling modules' (up to the root's):
    # {"hashicorp/azurerm": "~> 3.0"}. A legacy `azurerm = "~> 2.0"` entry is "hashicorp/azurerm".
    provider_versions: Mapping[str, str] = field(default_factory=dict)
    plan: PlanChange | None = None  # set for resources read from a plan JSON

    @property
    def gated(self) -> bool:
        """Whether checks judge this resource: everything in HCL; in a plan, what it creates or updates."""
        return self.plan is None or self.plan.gated


@dataclass(frozen=True)
class KubernetesMeta:
    """Identity of a Kubernetes object."""

    name: str = "unnamed"  # metadata.name (else generateName, else "unnamed")
    namespace: str | None = "default"  # metadata.namespace, "default" when absent; None when cluster-scoped
    namespace_explicit: bool = False  # metadata.namespace is written (not applied with -n or by kustomize)
    api_version: str = ""
    # listed under a kustomization's `resources:`: a whole object, never a patch fragment
    kustomize_resource: bool = False
    # the kustomization directory that rendered it ("" for a manifest judged as written): findings of
    # several overlays on the same line of a shared base are reported once
    kustomization: str = ""


@dataclass(frozen=True)
class DockerfileMeta:
    """One build stage of a Dockerfile."""

    stage_name: str = "0"  # the `AS name` alias, else the stage's position
    final: bool = True  # the last stage: the image the Dockerfile builds
    base_image: str = ""  # the FROM image as written (variables substituted where known)
    directives: Mapping[str, str] = field(default_factory=dict)  # `# syntax=`, `# escape=`, `# check=` (lower-case)


ResourceMeta = TerraformMeta | KubernetesMeta | DockerfileMeta
_DEFAULT_META: dict[str, ResourceMeta] = {
    "terraform": TerraformMeta(),
    "kubernetes": KubernetesMeta(),
    "dockerfile": DockerfileMeta(),
}


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
    # path -> file, for the paths set in another file than `location.file` (a kustomize patch's value)
    attribute_files: dict[str, str] = field(default_factory=dict)
    meta: ResourceMeta | None = None  # framework metadata; None: the framework's defaults

    def __post_init__(self) -> None:
        if self.meta is None:
            self.meta = _DEFAULT_META.get(self.framework)

    @property
    def terraform(self) -> TerraformMeta:
        """The metadata of a Terraform resource (module, plan change...); TypeError for other frameworks."""
        if not isinstance(self.meta, TerraformMeta):
            raise TypeError(f"{self.address} is not a Terraform resource")
        return self.meta

    @property
    def kubernetes(self) -> KubernetesMeta:
        """Name and namespace of a Kubernetes object; TypeError for other frameworks."""
        if not isinstance(self.meta, KubernetesMeta):
            raise TypeError(f"{self.address} is not a Kubernetes object")
        return self.meta

    @property
    def dockerfile(self) -> DockerfileMeta:
        """The metadata of a Dockerfile stage; TypeError for other frameworks."""
        if not isinstance(self.meta, DockerfileMeta):
            raise TypeError(f"{self.address} is not a Dockerfile stage")
        return self.meta

    @property
    def key(self) -> str:
        """Unique node key in the resource graph."""
        return f"{self.framework}:{self.scope}:{self.address}"

    def same(self, other: Resource) -> bool:
        """The same graph node: this resource, or a copy of it (`iacgate fix` judges a changed copy)."""
        return other is self or (
            other.address == self.address and other.scope == self.scope and other.framework == self.framework
        )

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

    def _closest(self, path: str | None) -> tuple[str, int] | None:
        """The path with a known line among `path` and its parents, with that line."""
        parts = path.split(".") if path else []
        while parts:
            joined = ".".join(parts)
            line = self.attribute_lines.get(joined)
            if line:
                return joined, line
            parts.pop()
        return None

    def line_of(self, path: str | None) -> int:
        """Line of the attribute at `path`, or of its closest known parent, or the resource."""
        closest = self._closest(path)
        return closest[1] if closest else self.location.start_line

    def file_of(self, path: str | None) -> str:
        """File that set the attribute at `path` (a kustomize patch), else the resource's file."""
        closest = self._closest(path)
        return self.attribute_files.get(closest[0], self.location.file) if closest else self.location.file

    def location_of(self, path: str | None) -> Location:
        closest = self._closest(path)
        if closest is None or (closest[1] == self.location.start_line and closest[0] != path):
            return self.location
        joined, line = closest
        return Location(self.attribute_files.get(joined, self.location.file), line, line)


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


@dataclass(frozen=True)
class TextEdit:
    """Replace a region of a file's text (1-based lines and columns, end exclusive, as SARIF regions;
    columns count characters of the line without its line end)."""

    file: str  # posix path relative to the scan root
    start_line: int
    start_column: int
    end_line: int
    end_column: int
    text: str


@dataclass(frozen=True)
class FixProposal:
    """What `iacgate fix` does about one finding.

    `status`: "applied" (in the diff, written with --write), "needs --unsafe" (the check's fix can break a
    working system, or the value is shared with resources that pass; `reason` says which) or "not fixable
    here" (`reason` says why). `edits` is the change that clears this finding alone, against the files as
    scanned (SARIF `fixes`); empty when not fixable here.
    """

    summary: str
    status: str
    reason: str = ""
    edits: tuple[TextEdit, ...] = ()
    warning: str = ""  # an applied --unsafe fix: why it needs review

    @property
    def applied(self) -> bool:
        return self.status == "applied"


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
    fix: FixProposal | None = None  # set by `iacgate fix` (scanner.fix)

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


@dataclass
class Evaluated:
    """What the checks stage returns: findings, unknowns, check errors and the number of passes."""

    findings: list[Finding] = field(default_factory=list)
    unknowns: list[UnknownResult] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    passed: int = 0
    passed_by_check: dict[str, int] = field(default_factory=dict)  # for per-control compliance summaries


@dataclass
class ScanResult:
    """A whole run (scan or plan): what the filter refines and every report renders."""

    root: Path
    files: list[SourceFile]
    resources: list[Resource]
    checks: list[Check]
    findings: list[Finding]
    unknowns: list[UnknownResult]
    errors: list[ScanError]
    passed: int
    graph: ResourceGraph | None = None
    outside_diff: int = 0  # findings dropped by --diff-base
    passed_by_check: dict[str, int] = field(default_factory=dict)  # (check, resource) passes per check

    @property
    def incomplete(self) -> bool:
        """A file or part of one could not be read or parsed (exit status +4)."""
        return any(e.level == "error" for e in self.errors)

    @property
    def not_evaluated(self) -> list[ScanError]:
        """Parts deliberately left unjudged: remote modules not initialised, templates (level `info`)."""
        return [e for e in self.errors if e.level == "info"]

    @property
    def fully_evaluated(self) -> bool:
        """Something was scanned, and every file, module and check result was judged.

        `--fail-on-incomplete` fails the gate when this is false; without it only `incomplete` does.
        """
        return bool(self.files) and not self.incomplete and not self.not_evaluated and not self.unknowns

    def verdict(self, threshold: Severity, *, fail_on_incomplete: bool = False) -> tuple[bool, bool]:
        """(a finding fails the gate, the scan's coverage fails it): exit status 1 and +4 in the CLI.

        Suppressed and baselined (not overdue) findings never fail it; see `Finding.is_blocking`.
        """
        findings_fail = any(f.is_blocking(threshold) for f in self.findings)
        coverage_fails = self.incomplete or (fail_on_incomplete and not self.fully_evaluated)
        return findings_fail, coverage_fails


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
