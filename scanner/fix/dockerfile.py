"""Dockerfile edits: one instruction rewritten as written (continuation lines and comments kept by the
check's rewrite), or one instruction inserted before the stage's CMD/ENTRYPOINT.

A target names the stage by position and the instruction by index in it, so fixes in one file are
applied one after another on the text the previous one left; the file is parsed again each time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner.fix.hcl import FixFailed
from scanner.fix.spec import InsertInstruction, RewriteInstruction
from scanner.parsers.dockerfile import parse as parse_dockerfile
from scanner.records import Resource


@dataclass(frozen=True)
class DockerfileTarget:
    file: str
    stage: int  # position of the stage in the file
    instruction: int | None  # index in the stage of the instruction to rewrite; None to insert
    spec: RewriteInstruction | InsertInstruction
    text: str = ""  # the instruction inserted

    @property
    def where(self) -> str:
        return f"stage {self.stage}" + (f" instruction {self.instruction + 1}" if self.instruction is not None else "")


def stages(text: str, rel: str) -> list[Resource]:
    try:
        parsed = parse_dockerfile(text, rel)
    except RecursionError as exc:
        raise FixFailed(f"{rel} is nested too deeply to edit") from exc
    if parsed.errors:
        raise FixFailed(f"{rel} does not parse: {parsed.errors[0].message}")
    return parsed.resources


def _instructions(stage: Resource) -> list[dict[str, Any]]:
    return list(stage.attributes["instructions"])


def apply(text: str, target: DockerfileTarget) -> str:
    found = stages(text, target.file)
    if target.stage >= len(found):
        raise FixFailed(f"{target.where} is not in {target.file}")
    instructions = _instructions(found[target.stage])
    lines = text.split("\n")
    spec = target.spec
    if isinstance(spec, RewriteInstruction):
        if target.instruction is None or target.instruction >= len(instructions):
            raise FixFailed(f"{target.where} is not in {target.file}")
        instruction = instructions[target.instruction]
        first, last = instruction["line"] - 1, instruction["end_line"]
        rewritten = spec.rewrite("\n".join(lines[first:last]))
        if rewritten is None:
            raise FixFailed("the rewrite does not apply to this instruction as written")
        lines[first:last] = rewritten.split("\n")
    else:
        runs = [i for i in instructions if i["cmd"] in ("CMD", "ENTRYPOINT")]
        if runs:
            at = runs[0]["line"] - 1
            indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
            lines[at:at] = [indent + target.text]
        else:
            at = instructions[-1]["end_line"]
            lines[at:at] = [target.text]
    result = "\n".join(lines)
    if len(stages(result, target.file)) != len(found):
        raise FixFailed("the edit changes the file's stages")
    return result
