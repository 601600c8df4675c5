"""Dockerfile checks: one Resource per build stage (see `scanner/parsers/dockerfile.py`).

Every failure points at the offending instruction (`instructions.N`). RUN instructions carry
`commands`: their shell script split into pipelines of argv lists, heredoc scripts included.
Only security matters here; style lint (apt-get --no-install-recommends, HEALTHCHECK...) is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from checks._dockerfile_text import edit_options, replace_keyword, shell_form_run
from scanner.fix.spec import InsertInstruction, RewriteInstruction
from scanner.graph import ResourceGraph
from scanner.graph.images import stage_user
from scanner.parsers.dockerfile import ROOT_USERS, SHELLS
from scanner.records import Resource, Unknown, UnknownValue
from scanner.registry import Fail, check
from scanner.secrets import is_secret_name, secret_kind

# command prefixes that run the next word as the command
_PREFIXES = {"then", "do", "else", "elif", "if", "while", "until", "!", "{", "(", "time", "exec", "command", "nohup"}
_INTERPRETERS = SHELLS | {"python", "python2", "python3", "perl", "ruby", "php", "node"}
_DOWNLOADERS = {"curl", "wget"}
# sh -c "$(curl ...)", bash <(wget ...), eval "$(curl ...)", source <(curl ...)
_FETCH_INTO_SHELL = re.compile(
    r"(?:^|[\s;&|(])(?:\S*/)?(?:ba|da|z|k|a)?sh\s+(?:-\w+\s+)*[\"']?(?:\$\(|`|<\()\s*(?:\S*/)?(?:curl|wget)\b"
    r"|(?:^|[\s;&|(])(?:\S*/)?(?:python[\d.]*|perl|ruby|node)\s+<\(\s*(?:\S*/)?(?:curl|wget)\b"
    r"|(?:^|[\s;&|(])(?:eval|source|\.)\s+[\"']?(?:\$\(|`|<\()\s*(?:\S*/)?(?:curl|wget)\b"
)
_ARCHIVE = re.compile(r"\.(?:tar|tgz|tbz2?|txz|tzst|tar\.(?:gz|bz2|xz|zst|lz4))$", re.IGNORECASE)
_REMOTE = re.compile(r"^(?:https?|git|ssh)://|^git@", re.IGNORECASE)


def _program(argv: list[str]) -> tuple[str, list[str], bool]:
    """(command name, its arguments, run through sudo) with shell keywords, VAR=x and sudo/env stripped."""
    words = list(argv)
    sudo = False
    while words:
        head = words[0]
        if head in _PREFIXES or re.match(r"^[A-Za-z_]\w*=", head):
            words.pop(0)
        elif head.rsplit("/", 1)[-1] in ("sudo", "env", "doas"):
            sudo = sudo or head.rsplit("/", 1)[-1] in ("sudo", "doas")
            words.pop(0)
            while words and (words[0].startswith("-") or re.match(r"^[A-Za-z_]\w*=", words[0])):
                option = words.pop(0)
                if option in ("-u", "--user", "-g", "--group") and words:
                    words.pop(0)
        else:
            break
    if not words:
        return "", [], sudo
    return words[0].rsplit("/", 1)[-1], words[1:], sudo


def _runs(resource: Resource) -> Iterator[tuple[int, dict[str, Any]]]:
    """RUN and ONBUILD RUN instructions of the stage, with their index."""
    for index, instruction in enumerate(resource.get("instructions") or []):
        if "commands" in instruction:
            yield index, instruction


def _pipelines(instruction: dict[str, Any]) -> Iterator[list[tuple[str, list[str], bool]]]:
    for pipeline in instruction["commands"]:
        yield [_program(argv) for argv in pipeline]


def _commands(instruction: dict[str, Any]) -> Iterator[tuple[str, list[str], bool]]:
    for pipeline in _pipelines(instruction):
        yield from pipeline


def _script(instruction: dict[str, Any]) -> str:
    return "\n".join([instruction["original"], *(h["content"] for h in instruction["heredocs"])])


def _of(resource: Resource, cmd: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for index, instruction in enumerate(resource.get("instructions") or []):
        if instruction["cmd"] == cmd:
            yield index, instruction


def _user_part(user: str) -> str:
    return user.split(":", 1)[0].strip()


def _unprivileged_user(stage: Resource) -> str:
    """The USER `iacgate fix` adds: ContainerUser on a Windows image, 10001 elsewhere; none when the
    stage switches to root on purpose (`USER root`), which a person must look at."""
    user = stage.attributes.get("user") or {}
    if user.get("source") == "USER" and not user.get("inherited_from"):
        return f"not: the stage switches to root on purpose (USER at line {user.get('line')}): choose its user by hand"
    if re.search(r"servercore|nanoserver|windows", stage.dockerfile.base_image, re.I):
        return "USER ContainerUser"
    return "USER 10001"


@check(
    id="IG-DKR-001",
    title="Container runs as root",
    severity="medium",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-250",
    compliance={"cis-docker-1.6": ["4.1"]},
    description="The final stage of the Dockerfile sets no non-root USER (or sets USER root/0), so the "
    "container's processes run as root unless the runtime overrides it. A compromised process then owns "
    "the container's filesystem and is one kernel or runtime bug away from the host. Official images "
    "often start as root and drop privileges in their entrypoint (gosu, su-exec); the runtime still has "
    "to trust that script. A base image built in this repository by a Dockerfile that sets a non-root "
    "USER is followed (the `from` edge), not assumed to be root.",
    remediation="Create an unprivileged user and switch to it in the final stage (`USER 10001`), or set "
    "`runAsNonRoot: true` and a non-zero `runAsUser` in the Kubernetes workload that runs the image.",
    example="FROM python:3.12-slim\nRUN useradd --uid 10001 --no-create-home app\nCOPY --chown=app . /app\n"
    'USER 10001\nCMD ["python", "/app/main.py"]',
    graph=True,
    fix=InsertInstruction(
        "USER 10001",
        unsafe="the image's processes lose root (files they write must belong to the new user, an entrypoint "
        "that drops privileges itself with gosu or su-exec can no longer)",
        choose=_unprivileged_user,
    ),
)
def final_stage_runs_as_root(resource: Resource, graph: ResourceGraph) -> Fail | None:
    if not resource.get("final"):
        return None
    user = resource.get("user")
    name = _user_part(resource.get("user.name"))
    if name.lower() not in ROOT_USERS:
        return None
    drops = any(re.search(r"\b(?:gosu|su-exec|setpriv)\b", i["original"]) for i in resource.get("instructions"))
    note = " (it installs gosu/su-exec: its entrypoint may drop privileges at run time)" if drops else ""
    if user.get("inherited_from"):
        line = user.get("declared_line")
        how = f"USER {name} at line {line}" if user["source"] == "USER" else "no USER"
        message = f"The image runs as root: it inherits {how} from stage {user['inherited_from']!r}{note}"
        return Fail("base_image", message)
    if user["source"] == "USER":
        return Fail(f"instructions.{user['instruction']}", f"USER {name} makes the container run as root{note}")
    image = resource.dockerfile.base_image  # as written where it is only known at build time
    for base in graph.successors(resource, "from", "stage"):
        base_user = stage_user(base)
        if base_user is None:
            raise UnknownValue("base_image", f"the user of {base.location.file}, which builds {image}, is unknown")
        if base_user[0].lower() not in ROOT_USERS:
            return None  # the base image, built in this repository, sets a non-root USER
        where = f"{base.location.file}:{base_user[1]}"
        return Fail("base_image", f"No USER instruction, and {image} (built by {where}) runs as root{note}")
    default = "ContainerAdministrator" if re.search(r"servercore|windows", str(image), re.I) else "root"
    return Fail("base_image", f"No USER instruction: the container runs as {image}'s default user, {default}{note}")


def _image_tag(image: str) -> tuple[str | None, str | None]:
    """(tag, digest) of an image reference; the tag is after the last ':' of the last path part."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.rpartition(":")[2] if ":" in last else None
    return tag, digest or None


@check(
    id="IG-DKR-002",
    title="Base image is not pinned (latest or no tag)",
    severity="medium",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-829",
    description="`FROM image` or `FROM image:latest` builds on whatever the registry serves at build time, "
    "so a compromised or broken upstream push lands in your image unreviewed and builds are not "
    "reproducible.",
    remediation="Pin a version tag, and for supply-chain integrity a digest: "
    "`FROM python:3.12.4-slim@sha256:<digest>`. Let Dependabot or Renovate bump it.",
    example="FROM python:3.12.4-slim-bookworm@sha256:2fba8e70a87bcc9f6edd20dda0a1d4adb32046d2acbca7361bc61da5a106a914",
)
def base_image_not_pinned(resource: Resource) -> Fail | None:
    if resource.get("from_stage"):
        return None
    image = resource.get("base_image")
    if image.lower() == "scratch":
        return None
    tag, digest = _image_tag(image)
    if digest:
        return None
    if tag is None:
        return Fail("instructions.0", f"Base image {image!r} has no tag: it means :latest")
    if tag.lower() == "latest":
        raw = resource.get("base_image_raw")
        via = f" ({raw!r} resolved with its ARG defaults)" if raw != image else ""
        return Fail("instructions.0", f"Base image {image!r} uses the mutable :latest tag{via}")
    return None


@check(
    id="IG-DKR-003",
    title="Remote script piped into a shell",
    severity="high",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-494",
    description='`curl ... | sh` (or wget, or `sh -c "$(curl ...)"`) runs whatever the server returns at '
    "build time with no integrity check: a compromised host, CDN or DNS answer runs code in your image.",
    remediation="Download to a file, verify its checksum or signature, then run it; or install from a "
    "signed package repository.",
    example="RUN curl -fsSLo /tmp/install.sh https://example.com/install.sh \\\n"
    ' && echo "<sha256>  /tmp/install.sh" | sha256sum -c - \\\n && sh /tmp/install.sh',
)
def remote_script_into_shell(resource: Resource) -> list[Fail]:
    fails = []
    for index, instruction in _runs(resource):
        piped = any(
            any(p[0] in _DOWNLOADERS for p in pipeline[:i]) and _runs_stdin(*pipeline[i][:2])
            for pipeline in _pipelines(instruction)
            for i in range(1, len(pipeline))
        )
        if piped or _FETCH_INTO_SHELL.search(_script(instruction)):
            fails.append(Fail(f"instructions.{index}", "A downloaded script is run by a shell without verification"))
    return fails


def _runs_stdin(name: str, args: list[str]) -> bool:
    """An interpreter that executes its standard input (not `python -c '...'`, which only reads it)."""
    if name not in _INTERPRETERS:
        return False
    inline = r"-[a-z]*c[a-z]*" if name in SHELLS else r"-[cep]"
    return not any(re.fullmatch(inline, a) for a in args)


def _declarations(resource: Resource) -> Iterator[tuple[int, str, str, str | None]]:
    """(instruction index, ENV|ARG, name, raw value or None) of every variable the stage declares."""
    for index, instruction in enumerate(resource.get("instructions") or []):
        if instruction["cmd"] == "ARG":
            for item in instruction["value"]:
                name, eq, value = item.partition("=")
                yield index, "ARG", name, value.strip("\"'") if eq else None
        elif instruction["cmd"] == "ENV":
            values = instruction["value"]
            for i in range(0, len(values) - 1, 2):
                yield index, "ENV", values[i], values[i + 1].strip("\"'")


@check(
    id="IG-DKR-004",
    title="Hard-coded secret in ENV or ARG",
    severity="high",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-798",
    compliance={"cis-docker-1.6": ["4.10"]},
    description="A password, token or key written as an ENV or ARG value is stored in the image "
    "configuration and layer history: anyone who can pull the image can read it with `docker inspect` "
    "or `docker history`, and it is in the repository too.",
    remediation="Remove the value and rotate the secret. Pass build-time secrets with "
    "`RUN --mount=type=secret,id=...` and runtime secrets through the orchestrator "
    "(Kubernetes Secret, secret manager).",
    example="RUN --mount=type=secret,id=npm_token \\\n    NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci",
)
def hardcoded_secret(resource: Resource) -> list[Fail]:
    fails: dict[int, Fail] = {}
    for index, kind, name, value in _declarations(resource):
        what = secret_kind(name, value) if value and "$" not in value else None
        if what and index not in fails:
            fails[index] = Fail(f"instructions.{index}", f"{kind} {name} holds a hard-coded secret ({what})")
    return list(fails.values())


@check(
    id="IG-DKR-005",
    title="Secret passed as a build argument",
    severity="medium",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-538",
    compliance={"cis-docker-1.6": ["4.10"]},
    description="Build arguments are recorded in the image history (`docker history --no-trunc`) and an "
    "ENV set from one is stored in the image configuration, so a password or token passed with "
    "`--build-arg` ships with the image to everyone who can pull it.",
    remediation="Use a BuildKit secret mount (`RUN --mount=type=secret,id=token ...`) for build-time "
    "secrets; give runtime secrets to the container from the orchestrator, not from ENV in the image.",
    example="# docker build --secret id=pip_token,env=PIP_TOKEN .\nRUN --mount=type=secret,id=pip_token \\\n"
    "    PIP_INDEX_URL=https://__token__:$(cat /run/secrets/pip_token)@pypi.example.com/simple pip install -r req.txt",
)
def secret_build_argument(resource: Resource) -> list[Fail]:
    fails: dict[int, Fail] = {}
    for index, kind, name, value in _declarations(resource):
        if not is_secret_name(name) or index in fails:
            continue
        if kind == "ARG" and (value is None or "$" in value):
            fails[index] = Fail(f"instructions.{index}", f"Build argument {name} is stored in the image history")
        elif kind == "ENV" and value and "$" in value:
            message = f"ENV {name} is set from a variable and stored in the image configuration"
            fails[index] = Fail(f"instructions.{index}", message)
    return list(fails.values())


@check(
    id="IG-DKR-006",
    title="ADD downloads a remote URL without a checksum",
    severity="medium",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-494",
    description="`ADD https://...` fetches the file at build time and trusts whatever the server returns; "
    "nothing verifies it is the file you reviewed.",
    remediation="Use `ADD --checksum=sha256:<digest> <url> <dest>` (BuildKit), or download with curl and "
    "verify the checksum in the same RUN.",
    example="ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d \\\n"
    "    https://github.com/tini/tini/releases/download/v0.19.0/tini /tini",
)
def add_remote_url(resource: Resource) -> list[Fail]:
    fails = []
    for index, instruction in _of(resource, "ADD"):
        if any(f.startswith("--checksum") for f in instruction["flags"]):
            continue
        sources = [v for v in instruction["value"][:-1] if _REMOTE.match(v)]
        if sources:
            fails.append(Fail(f"instructions.{index}", f"ADD fetches {sources[0]} without verifying a checksum"))
    return fails


_ADD_ONLY_FLAGS = re.compile(r"(?<!\S)--(checksum|keep-git-dir|unpack)\b")


def _add_to_copy(text: str) -> str | None:
    """ADD -> COPY, unless the instruction uses a flag only ADD has."""
    return None if _ADD_ONLY_FLAGS.search(text) else replace_keyword(text, "COPY")


@check(
    id="IG-DKR-007",
    title="ADD used for local files where COPY suffices",
    severity="low",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-22",
    compliance={"cis-docker-1.6": ["4.9"]},
    description="ADD silently extracts any local tar archive it is given (and fetches URLs), so a source that "
    "is later replaced by an archive is unpacked into the image, paths and all. COPY does only what it says.",
    remediation="Use COPY for plain files and directories; keep ADD for the archives you mean to extract.",
    example="COPY requirements.txt /app/",
    fix=RewriteInstruction(
        _add_to_copy,
        "use COPY instead of ADD",
        unsafe="ADD unpacks a local tar archive whatever its name (Docker recognises archives by content): a "
        "source that is such an archive would be copied packed",
    ),
)
def add_instead_of_copy(resource: Resource) -> list[Fail]:
    fails = []
    for index, instruction in _of(resource, "ADD"):
        if instruction["heredocs"]:
            continue
        expanded = instruction["expanded"][:-1]
        if not expanded or any(isinstance(v, Unknown) or "$" in v for v in expanded):
            continue  # a source only known at build time may be an archive or a URL
        if any(_REMOTE.match(v) or _ARCHIVE.search(v) or "*" in v or "?" in v for v in expanded):
            continue
        fails.append(Fail(f"instructions.{index}", f"ADD {' '.join(expanded)}: COPY does the same without extraction"))
    return fails


@check(
    id="IG-DKR-008",
    title="sudo used in RUN",
    severity="medium",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-250",
    description="Build steps already run as the current USER; calling sudo means sudo is installed in the "
    "image, so any process in the container that can run it (often with NOPASSWD) can become root.",
    remediation="Run privileged build steps before switching USER (or switch back with `USER root` for them) "
    "and do not install sudo in the image.",
    example="USER root\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nUSER 10001",
)
def sudo_in_run(resource: Resource) -> list[Fail]:
    fails = []
    for index, instruction in _runs(resource):
        if any(sudo for _, _, sudo in _commands(instruction)):
            fails.append(Fail(f"instructions.{index}", "RUN uses sudo: sudo is installed in the image"))
    return fails


def _world_writable(mode: str) -> bool:
    """An octal or symbolic chmod mode that lets everyone write, without the sticky bit."""
    if re.fullmatch(r"[0-7]{3,4}", mode):
        if len(mode) == 4 and int(mode[0]) & 1:
            return False  # sticky bit (1777 /tmp): others cannot delete each other's files
        return int(mode[-1]) & 2 != 0
    for clause in mode.split(","):
        match = re.fullmatch(r"([ugoa]*)([+=])([rwxXst]*)", clause)
        if match and ("o" in match.group(1) or "a" in match.group(1)) and "w" in match.group(3):
            return "t" not in match.group(3)
    return False


@check(
    id="IG-DKR-009",
    title="World-writable permissions (chmod 777)",
    severity="medium",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-732",
    description="A file or directory every user can write lets any process in the container replace "
    "binaries, scripts or configuration that others (often root) will run.",
    remediation="Give ownership to the user that needs write access (`COPY --chown=app`, `chown app`) and "
    "use 755/644 (or 1777 with the sticky bit for shared scratch directories).",
    example="COPY --chown=10001:10001 --chmod=755 entrypoint.sh /usr/local/bin/",
)
def world_writable(resource: Resource) -> list[Fail]:
    fails = []
    for index, instruction in enumerate(resource.get("instructions") or []):
        modes = [f.partition("=")[2] for f in instruction["flags"] if f.startswith("--chmod=")]
        if instruction["cmd"] in ("COPY", "ADD") and any(_world_writable(m) for m in modes):
            fails.append(Fail(f"instructions.{index}", f"{instruction['cmd']} --chmod={modes[0]} is world-writable"))
            continue
        if "commands" not in instruction:
            continue
        commands = list(_commands(instruction))
        for position, (name, args, _) in enumerate(commands):
            operands = [a for a in args if not a.startswith("-") or re.fullmatch(r"-[rwxXst]+", a)]
            if name != "chmod" or not operands or not _world_writable(operands[0]):
                continue
            removed = {a for n, later, _ in commands[position + 1 :] if n == "rm" for a in later}
            if all(target in removed for target in operands[1:]):
                continue  # a scratch directory deleted again in the same step
            fails.append(
                Fail(f"instructions.{index}", f"chmod {operands[0]} makes {' '.join(operands[1:])} world-writable")
            )
            break
    return fails


@check(
    id="IG-DKR-010",
    title="SSH port 22 exposed",
    severity="low",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-284",
    description="EXPOSE 22 means the image runs an SSH server: another long-lived credential-bearing "
    "service in the container, and a way in that bypasses the orchestrator's exec, audit and RBAC.",
    remediation="Remove the SSH server; use `kubectl exec` / `docker exec` for debugging.",
    example="EXPOSE 8080",
)
def ssh_exposed(resource: Resource) -> list[Fail]:
    fails = []
    for index, instruction in _of(resource, "EXPOSE"):
        ports = [p.partition("/") for p in instruction["expanded"] if isinstance(p, str)]
        if any(port == "22" and proto in ("", "tcp") for port, _, proto in ports):
            fails.append(Fail(f"instructions.{index}", "EXPOSE 22: the image serves SSH"))
    return fails


@check(
    id="IG-DKR-011",
    title="RUN with insecure security mode",
    severity="high",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-250",
    description="`RUN --security=insecure` runs the build step without the container sandbox "
    "(like `--privileged`): it can reach the build host's devices and kernel interfaces.",
    remediation="Remove `--security=insecure`; do the privileged work outside the image build.",
    example="RUN make install",
)
def run_security_insecure(resource: Resource) -> list[Fail]:
    return [
        Fail(f"instructions.{index}", "RUN --security=insecure runs the step without the build sandbox")
        for index, instruction in _runs(resource)
        if "--security=insecure" in instruction["flags"]
    ]


_TLS_ENV = {
    "GIT_SSL_NO_VERIFY": lambda v: v.lower() not in ("", "0", "false"),
    "NODE_TLS_REJECT_UNAUTHORIZED": lambda v: v == "0",
    "PYTHONHTTPSVERIFY": lambda v: v == "0",
    "PIP_TRUSTED_HOST": bool,
    "NPM_CONFIG_STRICT_SSL": lambda v: v.lower() == "false",
}


def _disables_tls(name: str, args: list[str]) -> str | None:
    """The option of a command line that turns off TLS certificate verification, if any."""
    if name.startswith("python") and args[:2] == ["-m", "pip"]:
        name, args = "pip", args[2:]
    lowered = [a.lower() for a in args]
    if name == "curl":
        return next((a for a in args if a == "--insecure" or re.fullmatch(r"-[a-zA-Z]*k[a-zA-Z]*", a)), None)
    if name == "wget" and "--no-check-certificate" in lowered:
        return "--no-check-certificate"
    if name.startswith("pip") and any(a.startswith("--trusted-host") or "trusted-host" in a for a in lowered):
        return "--trusted-host"
    if name in ("npm", "yarn", "pnpm") and "strict-ssl" in lowered and "false" in lowered:
        return "strict-ssl false"
    if name == "git":
        joined = " ".join(lowered)
        if re.search(r"http\.sslverify[ =](false|0|no)", joined):
            return "http.sslVerify false"
    return None


def _verify_tls(text: str) -> str | None:
    """The RUN without curl -k/--insecure, wget --no-check-certificate, pip --trusted-host and git
    `-c http.sslVerify=false`; None for what removing an option cannot undo (an ENV, `npm config set strict-ssl
    false`, `git config http.sslVerify false`, pip from a plain-HTTP index, which needs --trusted-host)."""
    if not shell_form_run(text) or re.search(r"(?:index-url|find-links|-i|-f)[ =]+['\"]?http://", text):
        return None
    value = r"(?:=|(?:[ \t]|\\\r?\n)+)[^\s\\;&|]+"  # `--opt=value` or `--opt value`
    edited = edit_options(text, "curl", r"-[a-zA-Z]*k[a-zA-Z]*", lambda bundle: bundle.replace("k", "").rstrip("-"))
    edited = edit_options(edited, "curl", "--insecure")
    edited = edit_options(edited, "wget", "--no-check-certificate")
    edited = edit_options(edited, r"pip[\d.]*|python[\d.]*", "--trusted-host" + value)
    edited = edit_options(edited, "git", r"-c(?:[ \t]+)(?i:http\.sslverify=(?:false|0|no))")
    return edited if edited != text else None


@check(
    id="IG-DKR-012",
    title="TLS certificate verification disabled",
    severity="medium",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-295",
    description="curl -k, wget --no-check-certificate, pip --trusted-host, npm strict-ssl false, git "
    "http.sslVerify false and their environment variables accept any certificate, so anyone on the network "
    "path can serve the build a tampered download.",
    remediation="Keep verification on; if a private CA is involved, add its certificate to the image's "
    "trust store (`update-ca-certificates`) or point the tool at it (`--cacert`, `PIP_CERT`, `cafile`).",
    example="COPY corp-ca.crt /usr/local/share/ca-certificates/\nRUN update-ca-certificates && "
    "curl -fsSLo app.tgz https://artifacts.example.com/app.tgz",
    fix=RewriteInstruction(
        _verify_tls,
        "remove the option that turns off TLS certificate verification",
        unsafe="a server with a self-signed or private-CA certificate then fails the build until its CA is "
        "trusted in the image",
    ),
)
def tls_verification_disabled(resource: Resource) -> list[Fail]:
    fails: dict[int, Fail] = {}
    for index, instruction in _runs(resource):
        for name, args, _ in _commands(instruction):
            option = _disables_tls(name, args)
            if option:
                fails[index] = Fail(f"instructions.{index}", f"{name} {option} disables certificate verification")
                break
    for index, kind, name, value in _declarations(resource):
        test = _TLS_ENV.get(name.upper())
        if kind == "ENV" and test and value is not None and test(value) and index not in fails:
            fails[index] = Fail(f"instructions.{index}", f"ENV {name}={value} disables certificate verification")
    return [fails[i] for i in sorted(fails)]


_UNSIGNED = {
    "apt-get": ("--allow-unauthenticated", "--allow-insecure-repositories", "--force-yes", "allowunauthenticated=true"),
    "apt": ("--allow-unauthenticated", "--allow-insecure-repositories", "allowunauthenticated=true"),
    "apk": ("--allow-untrusted",),
    "yum": ("--nogpgcheck",),
    "dnf": ("--nogpgcheck",),
    "microdnf": ("--nogpgcheck",),
    "tdnf": ("--nogpgcheck",),
    "rpm": ("--nosignature",),
    "zypper": ("--no-gpg-checks",),
}


# `deb [trusted=yes] <uri>`: the URI tells a local repository (built in the same step) from a remote one
_TRUSTED_SOURCE = re.compile(r"\[[^\]]*\btrusted=yes\b[^\]]*\]\s*[\"']?(\S+)")


def _installs_local_files(name: str, args: list[str]) -> bool:
    """Packages the build itself produced (local paths, no remote repository), or not an install at all.

    `apk index --allow-untrusted` builds an index; `apk add --allow-untrusted /tmp/pkgs/*.apk`
    installs files built in an earlier stage: neither downloads anything unverified.
    """
    if name == "apk" and not {"add", "upgrade", "fix"} & set(args):
        return True
    if any("://" in a and not a.startswith("file://") for a in args):
        return False
    operands = [a for a in args if not a.startswith("-") and a not in ("add", "install", "localinstall", "reinstall")]
    return bool(operands) and all(a.startswith(("/", "./", "file://")) for a in operands)


@check(
    id="IG-DKR-013",
    title="Package signature verification disabled",
    severity="high",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-347",
    compliance={"cis-docker-1.6": ["4.11"]},
    description="Package managers verify repository signatures so a mirror or network attacker cannot "
    "substitute packages; --allow-unauthenticated, --allow-untrusted, --nogpgcheck, `[trusted=yes]` "
    "sources and `gpgcheck=0` turn that off and install whatever is served.",
    remediation="Import the repository's signing key (`signed-by=` keyring, `rpm --import`) and drop the "
    "option that skips verification.",
    example="RUN curl -fsSL https://download.docker.com/linux/debian/gpg -o /etc/apt/keyrings/docker.asc \\\n"
    ' && echo "deb [signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian '
    'bookworm stable" > /etc/apt/sources.list.d/docker.list',
)
def package_signatures_disabled(resource: Resource) -> list[Fail]:
    fails = []
    for index, instruction in _runs(resource):
        found = None
        for name, args, _ in _commands(instruction):
            options = _UNSIGNED.get(name, ())
            found = next((a for a in args for o in options if a.lower().endswith(o)), None)
            if found and not _installs_local_files(name, args):
                break
            found = None
        script = _script(instruction)
        for match in _TRUSTED_SOURCE.finditer(script):
            if not match.group(1).startswith(("file:", "copy:", "/")):
                found = found or "[trusted=yes]"
        if not found and re.search(r"\bgpgcheck\s*=\s*0\b", script):
            found = "gpgcheck=0"
        if found:
            fails.append(Fail(f"instructions.{index}", f"{found} installs packages without verifying signatures"))
    return fails
