"""Dockerfiles with the `dockerfile` package (BuildKit's own parser): one Resource per build stage.

Stage attributes: base image (ARG-substituted), alias, index, whether it is the final stage,
and its instructions with their lines, so checks point at the offending instruction.
"""

from __future__ import annotations

import re

import dockerfile

from scanner.parsers import ParsedFile
from scanner.records import Location, Resource, ScanError

_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_]\w*)(?::?[-+][^}]*)?\}|([A-Za-z_]\w*))")


def substitute(value: str, args: dict[str, str]) -> str:
    """Replace $NAME / ${NAME} / ${NAME:-default} with known ARG values; unknown ones stay."""

    def repl(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name in args:
            return args[name]
        default = re.match(r"\$\{\w+:?-([^}]*)\}", match.group(0))
        return default.group(1) if default else match.group(0)

    return _VARIABLE.sub(repl, value)


def parse(text: str, rel: str) -> ParsedFile:
    parsed = ParsedFile(rel, "dockerfile")
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as exc:
        line = re.search(r"line (\d+)", str(exc))
        parsed.errors.append(ScanError(rel, int(line.group(1)) if line else None, f"invalid Dockerfile: {exc}"))
        return parsed
    global_args: dict[str, str] = {}
    stages: list[dict] = []
    for command in commands:
        instruction = {
            "cmd": command.cmd.upper(),
            "value": list(command.value),
            "flags": list(command.flags),
            "original": command.original,
            "json": command.json,
            "line": command.start_line,
            "end_line": command.end_line,
            "heredocs": [h.content for h in command.heredocs] if command.heredocs else [],
        }
        if instruction["cmd"] == "FROM":
            image = substitute(command.value[0], global_args) if command.value else ""
            alias = command.value[2] if len(command.value) >= 3 and command.value[1].upper() == "AS" else None
            platform = next((f for f in command.flags if f.startswith("--platform")), None)
            stages.append(
                {
                    "base_image": image,
                    "alias": alias,
                    "platform": platform,
                    "line": command.start_line,
                    "instructions": [instruction],
                    "args": dict(global_args),
                }
            )
        elif not stages:
            if instruction["cmd"] == "ARG":
                for item in command.value:
                    name, _, default = item.partition("=")
                    global_args[name] = default.strip("\"'")
            # instructions before the first FROM other than ARG are invalid; BuildKit rejects them later
        else:
            stages[-1]["instructions"].append(instruction)
    if not stages:
        if commands:
            parsed.errors.append(ScanError(rel, 1, "Dockerfile has no FROM instruction"))
        return parsed
    names = [s["alias"] for s in stages]
    for index, stage in enumerate(stages):
        stage["index"] = index
        stage["final"] = index == len(stages) - 1
        stage["from_stage"] = stage["base_image"] in [n for n in names[:index] if n]
        lines = {f"instructions.{i}": ins["line"] for i, ins in enumerate(stage["instructions"])}
        lines["base_image"] = stage["line"]
        label = stage["alias"] or str(index)
        end = stage["instructions"][-1]["end_line"]
        parsed.resources.append(
            Resource(
                framework="dockerfile",
                type="stage",
                address=f"stage {label}" + (f" ({stage['base_image']})" if stage["base_image"] else ""),
                attributes=stage,
                location=Location(rel, stage["line"], end),
                scope=rel,
                attribute_lines=lines,
                extra={"final": stage["final"], "stage_name": label},
            )
        )
    return parsed
