"""Dockerfiles with the `dockerfile` package (BuildKit's own parser): one Resource per build stage.

BuildKit's parser already handles line continuations, the `escape` directive, heredocs and
comments, so its line numbers are the ones `docker build` reports. On top of it this module
tracks ARG/ENV scopes the way BuildKit does (global ARGs are visible to FROM only; a stage sees
a global ARG after redeclaring it; ENV is inherited from a parent stage) to resolve `$VAR`,
`${VAR}`, `${VAR:-default}` and `${VAR:+alt}` in FROM and in the instructions BuildKit expands,
and resolves the effective USER of every stage (following `FROM <earlier stage>`).

Address of a stage: `stage <alias>` for `FROM ... AS <alias>`, else `stage <index>` (0-based,
as `COPY --from=<index>` counts). The base image is deliberately not part of the address, so a
base image bump does not change finding fingerprints; it is in `DockerfileMeta.base_image`.
"""

from __future__ import annotations

import re
from typing import Any

import dockerfile

from scanner.parsers import ParsedFile
from scanner.records import DockerfileMeta, Location, Resource, ScanError, Unknown

INSTRUCTIONS = {
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
}
# instructions whose arguments BuildKit expands with ARG/ENV values (RUN/CMD are left to the shell)
EXPANDED = {"ADD", "COPY", "ENV", "EXPOSE", "FROM", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR", "ARG"}

# Base images documented to run as a non-root user by default (their image config sets USER).
# Deliberately short: an image missing here is assumed to run as root, as nearly all do.
NON_ROOT_IMAGES = (
    (re.compile(r"^gcr\.io/distroless/[^:@]+:(?:[\w.-]*-)?nonroot(?:-[\w.]+)?(?:@.*)?$"), "65532"),
    (re.compile(r"^cgr\.dev/chainguard/(?!.*:[\w.-]*-dev\b)[^@]+"), "65532"),
    (re.compile(r"^(?:docker\.io/)?nginxinc/nginx-unprivileged(?:[:@].*)?$"), "101"),
    (re.compile(r"^mcr\.microsoft\.com/windows/nanoserver(?:[:@].*)?$", re.IGNORECASE), "ContainerUser"),
)
# user names with root's powers: Linux root and uid 0, Windows' ContainerAdministrator
ROOT_USERS = {"root", "0", "", "containeradministrator"}

SHELLS = {"sh", "bash", "dash", "ash", "zsh", "ksh", "busybox"}
_SHELL_TOKEN = re.compile(
    r"""
    (?P<open><\(|\$\(|\()
    | (?P<redirect>\d*(?:<<<|<<-?|>>|>\||<>|[<>]&?|&>>?)(?:\s*(?:\d+-?|-)(?![^\s;&|]))?)
    | (?P<sep>&&|\|\||;;?|&|\n|\))
    | (?P<pipe>\|&?)
    | (?P<word>(?:[^\s'"\\|;&()<>]|\\.|'[^']*'|"(?:[^"\\]|\\.)*"|['"])+)
    """,
    re.VERBOSE | re.DOTALL,
)
_QUOTED = re.compile(r"'[^']*'|\"(?:[^\"\\]|\\.)*\"|\\.", re.DOTALL)

_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_]\w*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_]\w*))")


def substitute(value: str, variables: dict[str, str | None], undeclared_known: bool = True) -> str | Unknown:
    """Expand $NAME, ${NAME}, ${NAME:-default}, ${NAME:+alt} as BuildKit does.

    A variable declared without a value (an `ARG` with no default: only `--build-arg` sets it)
    makes the result `Unknown`. An undeclared one expands to "" in FROM (`undeclared_known`);
    inside a stage it may be an ENV of the base image, so it is unknown there too.
    """
    unknown: list[str] = []

    def repl(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(4)
        op, word = match.group(2), match.group(3) or ""
        declared = name in variables
        current = variables.get(name)
        if (declared or not undeclared_known) and current is None and op not in (":-", "-"):
            unknown.append(name)  # only --build-arg can give it a value
            return match.group(0)
        if op == ":-":
            return current or word  # an unset build argument: the default build uses `word`
        if op == "-":
            return current if current is not None else word
        if op == ":+":
            return word if current else ""
        if op == "+":
            return word if declared else ""
        return current or ""

    result = _VARIABLE.sub(repl, value)
    if unknown:
        names = ", ".join("$" + n for n in sorted(set(unknown)))
        return Unknown(f"{names} is only known at build time (--build-arg or base image ENV)")
    return result


def shell_pipelines(script: str) -> list[list[list[str]]]:
    """Split a shell script into pipelines of commands (argv lists), for checks to inspect.

    Not a shell: a tokenizer with POSIX quoting that splits on `;`, `&&`, `||`, `&`, newlines and
    `|`, and drops redirections (`2>&1`, `> file`). Enough to see `curl ... | sh` or `chmod 777 x`
    without executing anything. Regular expressions rather than `shlex`: ten times faster on the
    long RUN lines of official images.
    """
    pipelines: list[list[list[str]]] = []
    current: list[list[str]] = [[]]
    target = False  # the next word is a redirection target, not an argument
    for match in _SHELL_TOKEN.finditer(script.replace("\\\n", " ")):
        kind = match.lastgroup
        if kind == "redirect":
            target = not match.group(kind).rstrip().endswith(("&1", "&2", "-")) or target
            continue
        if kind == "word" and target:
            target = False
        elif kind == "word":
            current[-1].append(_QUOTED.sub(_unquote_part, match.group(kind)))
        elif kind == "sep":
            if any(current):
                pipelines.append([c for c in current if c])
            current = [[]]
        elif kind == "pipe":
            current.append([])
        elif kind == "open":
            current[-1].append(match.group(kind))
    if any(current):
        pipelines.append([c for c in current if c])
    return pipelines


def _unquote_part(match: re.Match[str]) -> str:
    part = match.group(0)
    if part[0] == "'":
        return part[1:-1]
    if part[0] == '"':
        return re.sub(r"\\([\\\"$`])", r"\1", part[1:-1])
    return part[1:]  # backslash escape


def _run_script(command: dockerfile.Command) -> list[list[list[str]]]:
    """The shell pipelines a RUN (or ONBUILD RUN) executes, heredoc scripts included."""
    if command.json:
        argv = list(command.value)
        if len(argv) >= 3 and argv[0].rsplit("/", 1)[-1] in SHELLS and argv[1].startswith("-") and "c" in argv[1]:
            return shell_pipelines(argv[2])
        return [[argv]] if argv else []
    line = " ".join(command.value)
    pipelines = shell_pipelines(line)
    first = pipelines[0][0] if pipelines and pipelines[0] else []
    runs_heredoc = not first or first[0].rsplit("/", 1)[-1] in SHELLS  # `RUN <<EOF`, `RUN bash <<EOF`
    for heredoc in command.heredocs or ():
        if runs_heredoc:
            pipelines += shell_pipelines(heredoc.content)
    return pipelines


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _pairs(command: dockerfile.Command) -> list[tuple[str, str | None]]:
    """Name/value pairs of ENV and LABEL (flat in BuildKit's output) or ARG (`NAME[=default]`)."""
    if command.cmd.upper() == "ARG":
        out: list[tuple[str, str | None]] = []
        for item in command.value:
            name, eq, default = item.partition("=")
            out.append((name, _unquote(default) if eq else None))
        return out
    values = list(command.value)
    return [(values[i], _unquote(values[i + 1])) for i in range(0, len(values) - 1, 2)]


def parse(text: str, rel: str) -> ParsedFile:
    parsed = ParsedFile(rel, "dockerfile")
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as exc:
        if "no instructions" in str(exc):
            return parsed  # empty or comment-only file: nothing to scan, nothing wrong
        line = re.search(r"line (\d+)", str(exc))
        number = int(line.group(1)) if line else _unterminated_heredoc(text)
        parsed.errors.append(ScanError(rel, number, f"invalid Dockerfile: {exc}"))
        return parsed
    stages = _stages(commands, rel, parsed.errors)
    if stages is None:
        return parsed
    by_name = {s["alias"].lower(): s for s in stages if s["alias"]}
    for stage in stages:
        stage["final"] = stage["index"] == len(stages) - 1
        parent = stage["from_stage"]
        stage["user"] = _effective_user(stage, by_name[parent.lower()] if parent else None)
    directives = parser_directives(text)
    aliases: list[str] = []
    for stage in stages:
        repeated = bool(stage["alias"]) and stage["alias"].lower() in aliases
        aliases.append((stage["alias"] or "").lower())
        parsed.resources.append(_resource(stage, rel, directives, repeated))
    return parsed


def parser_directives(text: str) -> dict[str, str]:
    """`# syntax=...`, `# escape=...`, `# check=...`: only at the very top, before any other line."""
    directives: dict[str, str] = {}
    for line in text.lstrip("\ufeff").splitlines():
        match = re.match(r"^#\s*([A-Za-z]+)\s*=\s*(\S.*?)\s*$", line)
        if not match or match.group(1).lower() in directives:
            break
        directives[match.group(1).lower()] = match.group(2)
    return directives


def _unterminated_heredoc(text: str) -> int | None:
    """Line of the first heredoc whose terminator never comes (BuildKit's message has no line)."""
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        for match in re.finditer(r"<<-?\s*[\"']?([A-Za-z_]\w*)", line):
            if not any(later.strip() == match.group(1) for later in lines[number:]):
                return number
    return None


def _stages(commands: tuple[dockerfile.Command, ...], rel: str, errors: list[ScanError]) -> list[dict] | None:
    global_args: dict[str, str | None] = {}
    before_from: list[ScanError] = []
    stages: list[dict[str, Any]] = []
    names: dict[str, dict[str, Any]] = {}
    for command in commands:
        cmd = command.cmd.upper()
        if cmd not in INSTRUCTIONS:
            errors.append(ScanError(rel, command.start_line, f"invalid Dockerfile: unknown instruction {command.cmd}"))
            continue
        if cmd == "FROM":
            stage = _new_stage(command, len(stages), global_args, names)
            if stage is None:
                errors.append(ScanError(rel, command.start_line, "invalid Dockerfile: FROM requires an image"))
                return None
            stages.append(stage)
            if stage["alias"]:
                names[stage["alias"].lower()] = stage
            continue
        if not stages:
            if cmd == "ARG":
                for name, default in _pairs(command):
                    global_args[name] = _text(substitute(default, global_args)) if default is not None else None
            else:
                before_from.append(
                    ScanError(rel, command.start_line, f"invalid Dockerfile: {cmd} before the first FROM instruction")
                )
            continue
        stage = stages[-1]
        scope: dict[str, str | None] = stage["variables"]
        if cmd == "ARG":
            for name, default in _pairs(command):
                if default is not None:
                    scope[name] = _text(substitute(default, scope, False))
                elif name in global_args:
                    scope[name] = global_args[name]
                elif name not in scope:
                    scope[name] = None
        instruction = _instruction(command, scope)
        if cmd == "ENV":
            for name, value in _pairs(command):
                resolved = substitute(value or "", scope, False)
                scope[name] = resolved if isinstance(resolved, str) else None
                stage["env"][name] = resolved
        stage["instructions"].append(instruction)
    if not stages:
        first = commands[0].start_line if commands else 1
        errors.append(ScanError(rel, first, "invalid Dockerfile: no FROM instruction"))
        return None
    errors.extend(before_from)
    return stages


def _text(value: str | Unknown) -> str | None:
    return value if isinstance(value, str) else None


def _new_stage(
    command: dockerfile.Command,
    index: int,
    global_args: dict[str, str | None],
    names: dict[str, dict[str, Any]],
) -> dict[str, Any] | None:
    if not command.value or not command.value[0]:
        return None
    raw = command.value[0]
    image = substitute(raw, global_args)
    alias = command.value[2] if len(command.value) >= 3 and command.value[1].upper() == "AS" else None
    platform = next((f.partition("=")[2] for f in command.flags if f.startswith("--platform")), None)
    parent = names.get(image.lower()) if isinstance(image, str) else None
    instruction = _instruction(command, global_args)
    return {
        "index": index,
        "alias": alias,
        "base_image": image,
        "base_image_raw": raw,
        "platform": platform,
        "line": command.start_line,
        # stage inherited from; ENV and USER carry over from it, global ARGs do not
        "from_stage": (parent["alias"] if parent else None),
        "variables": dict(parent["variables"]) if parent else {},
        "env": dict(parent["env"]) if parent else {},
        "instructions": [instruction],
    }


def _instruction(command: dockerfile.Command, scope: dict[str, str | None]) -> dict[str, Any]:
    cmd = command.cmd.upper()
    instruction: dict[str, Any] = {
        "cmd": cmd,
        "sub_cmd": command.sub_cmd.upper() if command.sub_cmd else None,
        "value": list(command.value),
        "flags": list(command.flags),
        "original": command.original,
        "json": command.json,
        "line": command.start_line,
        "end_line": command.end_line,
        "heredocs": [{"name": h.name, "content": h.content} for h in command.heredocs or ()],
    }
    if cmd == "RUN" or command.sub_cmd and command.sub_cmd.upper() == "RUN":
        instruction["commands"] = _run_script(command)
    if cmd in EXPANDED:
        instruction["expanded"] = [substitute(v, scope, cmd == "FROM") for v in command.value]
    return instruction


def _effective_user(stage: dict[str, Any], parent: dict[str, Any] | None) -> dict[str, Any]:
    """Who the stage's processes run as: the last USER, else the parent stage's, else the image's.

    `source` says how it is known: "USER" (an instruction in this stage), "stage" (inherited from
    an earlier stage), "image" (a base image documented to run as non-root), "default" (an external
    base image without USER: Docker's default, root, which is what nearly every image uses).
    """
    for position in range(len(stage["instructions"]) - 1, -1, -1):
        instruction = stage["instructions"][position]
        if instruction["cmd"] == "USER" and instruction["expanded"]:
            name = instruction["expanded"][0]
            return {"name": name, "line": instruction["line"], "instruction": position, "source": "USER"}
    if parent is not None:
        # the parent's user, pointed at this stage's FROM line (the parent is another resource)
        user = parent["user"]
        declared = user.get("declared_line", user["line"])
        return {
            **user,
            "line": stage["line"],
            "instruction": 0,
            "inherited_from": parent["alias"],
            "declared_line": declared,
        }
    image = stage["base_image"]
    if isinstance(image, str):
        if image.lower() == "scratch":
            return {"name": "root", "line": stage["line"], "instruction": 0, "source": "default"}
        for pattern, uid in NON_ROOT_IMAGES:
            if pattern.match(image):
                return {"name": uid, "line": stage["line"], "instruction": 0, "source": "image"}
    return {"name": "root", "line": stage["line"], "instruction": 0, "source": "default"}


def _resource(stage: dict[str, Any], rel: str, directives: dict[str, str], repeated: bool) -> Resource:
    """The stage's Resource; a repeated alias (a mistake IG-DKR-036 reports) gets its index too, so that
    every stage of the file has its own address."""
    lines = {f"instructions.{i}": ins["line"] for i, ins in enumerate(stage["instructions"])}
    lines["base_image"] = stage["line"]
    lines["user"] = stage["user"]["line"]
    label = stage["alias"] or str(stage["index"])
    if repeated:
        label = f"{label} ({stage['index']})"
    image = stage["base_image"]
    shown = image if isinstance(image, str) else stage["base_image_raw"]
    del stage["variables"]
    return Resource(
        framework="dockerfile",
        type="stage",
        address=f"stage {label}",
        attributes=stage,
        location=Location(rel, stage["line"], stage["instructions"][-1]["end_line"]),
        scope=rel,
        attribute_lines=lines,
        meta=DockerfileMeta(stage_name=label, final=stage["final"], base_image=shown, directives=directives),
    )
