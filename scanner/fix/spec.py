"""What a check declares it can fix, next to its predicate (`@check(..., fix=SetValue(...))`).

A declaration is data, not code that edits files: `scanner.fix` decides where the edit lands (the literal
on the resource, or the variable default, `.tfvars` line, local or module input the value came from),
writes it in the file's own style, and accepts it only if re-running the check on the changed resource
clears the finding without making another check fail.

`unsafe` says why a fix can break a working system (a replaced volume, an application that writes to its
root filesystem): such fixes are offered only with `iacgate fix --unsafe`, and the diff header carries
the reason. A fix with `unsafe=""` is applied by default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scanner.records import Resource


@dataclass(frozen=True)
class SetValue:
    """Set the attribute at dotted `path` to `value` (Terraform and Kubernetes).

    The path is anchored on the finding's attribute: the longest leading part of `path` that the
    finding's attribute already ends with is not repeated, and the rest is appended. So a container
    check failing at `spec.containers.0` with `path="securityContext.allowPrivilegeEscalation"` sets
    `spec.containers.0.securityContext.allowPrivilegeEscalation`, and a Terraform check failing at
    `metadata_options.0` (or at the resource) with `path="metadata_options.0.http_tokens"` sets exactly
    that. A finding at a sibling (`securityContext.runAsUser`) is anchored on the shared parent. Terraform
    nested blocks are written with their index (`versioning.0.enabled`); a missing
    block is created.
    """

    path: str
    value: Any
    unsafe: str = ""
    # other settings made with it, each (path, value) anchored like `path`: when clearing the finding
    # alone would make another check fail (`privileged: false` also needs `allowPrivilegeEscalation: false`)
    also: tuple[tuple[str, Any], ...] = ()

    @property
    def settings(self) -> tuple[tuple[str, Any], ...]:
        return ((self.path, self.value), *self.also)


@dataclass(frozen=True)
class RewriteInstruction:
    """Rewrite the failing Dockerfile instruction (Dockerfile checks whose finding points at one).

    `rewrite` receives the instruction's text as written, continuation lines and all, and returns the
    replacement, or None when it cannot tell how to fix that instruction.
    """

    rewrite: Callable[[str], str | None]
    summary: str
    unsafe: str = ""

    def describe(self) -> str:
        return self.summary


@dataclass(frozen=True)
class InsertInstruction:
    """Insert a Dockerfile instruction in the failing stage: before its first CMD or ENTRYPOINT, or
    after its last instruction when it has neither.

    `choose`, when given, picks the instruction for the stage (`USER ContainerUser` on a Windows image),
    or returns why none fits (a string starting with "not:"), which makes the finding not fixable here.
    """

    text: str
    unsafe: str = ""
    choose: Callable[[Resource], str] | None = None

    def describe(self) -> str:
        return f"add {self.text}"


FixSpec = SetValue | RewriteInstruction | InsertInstruction
