"""Dockerfile checks on instructions and images: Docker socket and group access, embedded credentials,
plain-HTTP downloads, end-of-life bases, exposed legacy ports, and build mistakes that change what runs.

Every failure points at the offending instruction (`instructions.N`), or at FROM for image checks.
"""

from __future__ import annotations

import re
from typing import Any

from checks._dockerfile_text import commands, shell_form_run
from checks.dockerfile import _commands, _image_tag, _of, _runs, _script
from scanner.fix.spec import RewriteInstruction
from scanner.graph import ResourceGraph
from scanner.records import Resource, Unknown
from scanner.registry import Fail, check

_DOCKER_SOCKET = re.compile(r"(^|/)docker\.sock$")


@check(
    id="IG-DKR-028",
    title="Image opens the Docker socket to its user",
    severity="high",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-250",
    description="Whoever can write to the Docker daemon's socket controls the daemon, and so the host: "
    "`docker run --privileged -v /:/host` is one request away. An image that chmods or chowns "
    "/var/run/docker.sock, or declares it as a VOLUME, is built to be given that socket.",
    remediation="Do not hand the Docker socket to containers. Build images with rootless BuildKit, Kaniko "
    "or Buildah; talk to the orchestrator's API with scoped credentials instead of the daemon.",
    example='FROM docker.io/moby/buildkit:v0.16.0-rootless\nUSER 1000\nENTRYPOINT ["rootlesskit", "buildkitd"]',
    tags=("container-escape",),
)
def docker_socket_access(resource: Resource) -> list[Fail]:
    fails = []
    for index, instruction in enumerate(resource.get("instructions") or []):
        if instruction["cmd"] == "VOLUME":
            paths = [v for v in instruction.get("expanded", instruction["value"]) if isinstance(v, str)]
            if any(_DOCKER_SOCKET.search(p.strip("[]\"'")) for p in paths):
                fails.append(Fail(f"instructions.{index}", "VOLUME declares the Docker socket"))
            continue
        if "commands" not in instruction:
            continue
        for name, args, _ in _commands(instruction):
            if name in ("chmod", "chown", "chgrp", "setfacl") and any(_DOCKER_SOCKET.search(a) for a in args):
                fails.append(Fail(f"instructions.{index}", f"{name} changes who can use the Docker socket"))
                break
    return fails


# group root (gid 0) is left out: OpenShift's arbitrary-uid images rely on it, and it grants no root powers
_PRIVILEGED_GROUPS = {"docker", "wheel", "sudo", "admin"}
_NOPASSWD = re.compile(r"NOPASSWD\s*:\s*ALL.*(/etc/sudoers)|(/etc/sudoers).*NOPASSWD\s*:\s*ALL", re.S)


def _groups_granted(name: str, args: list[str]) -> set[str]:
    """Privileged groups a user-management command adds a user to."""
    groups: set[str] = set()
    if name in ("usermod", "useradd"):
        for i, arg in enumerate(args):
            value = args[i + 1] if i + 1 < len(args) else ""
            if arg in ("-G", "--groups", "-g", "--gid") or re.fullmatch(r"-a?G", arg):
                groups |= set(value.split(","))
            elif arg.startswith("--groups="):
                groups |= set(arg.partition("=")[2].split(","))
    elif name in ("adduser", "addgroup") and len([a for a in args if not a.startswith("-")]) == 2:
        groups.add([a for a in args if not a.startswith("-")][1])  # Debian: adduser USER GROUP
    elif name == "gpasswd" and "-a" in args:
        groups |= {a for a in args if not a.startswith("-")}
    return groups & _PRIVILEGED_GROUPS


@check(
    id="IG-DKR-029",
    title="User given root-equivalent rights (docker/sudo group or NOPASSWD sudo)",
    severity="high",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-269",
    description="Adding the image's user to the docker, wheel or sudo group, or writing a NOPASSWD rule "
    "into sudoers, gives every process of that user root (or the Docker daemon) without a password: "
    "running as non-root then protects nothing.",
    remediation="Keep the runtime user unprivileged. Do privileged setup in the build as root before `USER`, "
    "and drop sudo from the image.",
    example="RUN useradd --uid 10001 --create-home app\nUSER 10001",
    tags=("privilege-escalation",),
)
def root_equivalent_user(resource: Resource) -> list[Fail]:
    fails = []
    for index, instruction in _runs(resource):
        granted = set()
        for name, args, _ in _commands(instruction):
            granted |= _groups_granted(name, args)
        if granted:
            fails.append(Fail(f"instructions.{index}", f"A user is added to the {', '.join(sorted(granted))} group"))
        elif _NOPASSWD.search(_script(instruction)):
            fails.append(Fail(f"instructions.{index}", "A NOPASSWD sudo rule gives the user root without a password"))
    return fails


def _ports(instruction: dict[str, Any]) -> list[tuple[str, str]]:
    """(port or range, protocol) of an EXPOSE instruction, variables left out."""
    values = instruction.get("expanded") or instruction["value"]
    ports = []
    for value in values:
        if isinstance(value, Unknown) or "$" in str(value):
            continue
        port, _, protocol = str(value).partition("/")
        ports.append((port, protocol.lower() or "tcp"))
    return ports


@check(
    id="IG-DKR-030",
    title="EXPOSE of an invalid port",
    severity="low",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-20",
    description="Ports run from 1 to 65535 and protocols are tcp, udp or sctp. An invalid EXPOSE is "
    "usually a typo that leaves the service's real port undocumented to the orchestrator and reviewers.",
    remediation="Fix the port number or protocol (`EXPOSE 8443/tcp`).",
    example="EXPOSE 8080/tcp 8125/udp",
)
def invalid_expose(resource: Resource) -> list[Fail]:
    fails = []
    for index, instruction in _of(resource, "EXPOSE"):
        for port, protocol in _ports(instruction):
            bounds = port.split("-", 1)
            valid = all(b.isdigit() and 1 <= int(b) <= 65535 for b in bounds) and protocol in ("tcp", "udp", "sctp")
            if not valid:
                fails.append(Fail(f"instructions.{index}", f"EXPOSE {port}/{protocol} is not a valid port"))
                break
    return fails


# port -> service: plaintext or remote-administration protocols that do not belong in a container image
_LEGACY_PORTS = {
    21: "FTP",
    23: "telnet",
    69: "TFTP",
    111: "rpcbind",
    135: "MS-RPC",
    139: "NetBIOS",
    445: "SMB",
    512: "rexec",
    513: "rlogin",
    514: "rsh",
    2375: "the unencrypted Docker API",
    3389: "RDP",
    5900: "VNC",
    5985: "WinRM over HTTP",
}


@check(
    id="IG-DKR-031",
    title="Image exposes a plaintext or remote-administration service port",
    severity="medium",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-319",
    description="EXPOSE of telnet, FTP, rsh/rlogin, SMB, RPC, VNC, RDP, WinRM over HTTP or the Docker API "
    "without TLS means the image runs a service that sends credentials in clear text or gives remote "
    "control of the container. (SSH on port 22 is IG-DKR-010.)",
    remediation="Remove the service from the image; use `kubectl exec`/`docker exec` for administration and "
    "TLS-protected protocols (SFTP, HTTPS, the Docker API on 2376 with mutual TLS) for data.",
    example="EXPOSE 8443/tcp",
    tags=("network",),
)
def legacy_port_exposed(resource: Resource) -> list[Fail]:
    fails = []
    for index, instruction in _of(resource, "EXPOSE"):
        for port, _ in _ports(instruction):
            if port.isdigit() and int(port) in _LEGACY_PORTS:
                fails.append(
                    Fail(f"instructions.{index}", f"EXPOSE {port}: the image serves {_LEGACY_PORTS[int(port)]}")
                )
                break
    return fails


@check(
    id="IG-DKR-032",
    title="Several CMD or ENTRYPOINT instructions in one stage",
    severity="low",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-710",
    description="Only the last CMD and the last ENTRYPOINT of a stage take effect. An earlier one is dead "
    "code that misleads reviewers about what the container runs.",
    remediation="Keep one CMD and at most one ENTRYPOINT per stage.",
    example='ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]\nCMD ["postgres"]',
)
def several_cmd(resource: Resource) -> list[Fail]:
    fails = []
    for cmd in ("CMD", "ENTRYPOINT"):
        found = list(_of(resource, cmd))
        for index, _ in found[1:]:
            fails.append(Fail(f"instructions.{index}", f"{cmd} overrides an earlier {cmd} of the same stage"))
    return fails


@check(
    id="IG-DKR-033",
    title="ENTRYPOINT in shell form",
    severity="low",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-710",
    description="`ENTRYPOINT command args` runs under `/bin/sh -c`, so the shell is PID 1: SIGTERM from "
    "`docker stop` or Kubernetes never reaches the application, which is killed after the grace period "
    "without shutting down cleanly, and CMD arguments are ignored.",
    remediation='Use the exec form: `ENTRYPOINT ["/usr/local/bin/app", "--serve"]` (or `exec` the program '
    "from a wrapper script).",
    example='ENTRYPOINT ["/usr/local/bin/app", "--serve"]',
)
def shell_form_entrypoint(resource: Resource) -> list[Fail]:
    fails = []
    for index, instruction in _of(resource, "ENTRYPOINT"):
        script = " ".join(str(v) for v in instruction["value"]).strip()
        if not instruction["json"] and script and not script.startswith("exec "):
            fails.append(Fail(f"instructions.{index}", "ENTRYPOINT in shell form: the shell, not the app, is PID 1"))
    return fails


@check(
    id="IG-DKR-034",
    title="WORKDIR with a relative path",
    severity="low",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-710",
    description="A relative WORKDIR is resolved against the previous WORKDIR, which a base image may set "
    "to anything: files land in a directory nobody reviewed.",
    remediation="Use an absolute path: `WORKDIR /app`.",
    example="WORKDIR /app",
)
def relative_workdir(resource: Resource) -> list[Fail]:
    fails = []
    for index, instruction in _of(resource, "WORKDIR"):
        path = (instruction.get("expanded") or instruction["value"] or [""])[0]
        if isinstance(path, str) and path.rstrip("/") not in ("", ".") and not re.match(r"^([/$]|[A-Za-z]:)", path):
            fails.append(Fail(f"instructions.{index}", f"WORKDIR {path} is relative to the base image's WORKDIR"))
    return fails


@check(
    id="IG-DKR-035",
    title="COPY --from names its own stage",
    severity="low",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-710",
    description="A stage cannot copy from itself: BuildKit fails, or, when an image of the same name exists, "
    "silently copies from that image instead of the files this Dockerfile builds.",
    remediation="Copy from an earlier stage (`COPY --from=build ...`) or from the build context.",
    example="FROM golang:1.23.2 AS build\nRUN go build -o /out/app ./cmd/app\n"
    "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /out/app /app",
)
def copy_from_itself(resource: Resource) -> list[Fail]:
    own = {str(resource.get("index"))}
    if resource.get("alias"):
        own.add(str(resource.get("alias")).lower())
    fails = []
    for index, instruction in _of(resource, "COPY"):
        sources = [f.partition("=")[2].lower() for f in instruction["flags"] if f.startswith("--from=")]
        if sources and sources[0] in own:
            fails.append(Fail(f"instructions.{index}", f"COPY --from={sources[0]} names the stage it is in"))
    return fails


@check(
    id="IG-DKR-036",
    title="Two build stages share an alias",
    severity="low",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-710",
    description="When two stages are named alike, `COPY --from` and `--target` pick one of them: the image "
    "may ship files from a stage nobody meant (a debug or test stage).",
    remediation="Give every stage a unique `AS` name.",
    example="FROM node:22.9.0 AS deps\nRUN npm ci\nFROM node:22.9.0 AS build\nCOPY --from=deps /node_modules ./",
    graph=True,
)
def duplicate_stage_alias(resource: Resource, graph: ResourceGraph) -> Fail | None:
    alias = resource.get("alias")
    if not alias:
        return None
    earlier = [
        s
        for s in graph.resources("dockerfile", "stage")
        if s.location.file == resource.location.file
        and s.get("index") < resource.get("index")
        and str(s.get("alias") or "").lower() == str(alias).lower()
    ]
    if earlier:
        return Fail("instructions.0", f"Stage alias {alias!r} is already used at line {earlier[0].location.start_line}")
    return None


@check(
    id="IG-DKR-037",
    title="Final stage has no HEALTHCHECK",
    severity="info",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-710",
    description="Without HEALTHCHECK, plain Docker and Compose cannot tell a hung container from a healthy "
    "one. Informational: Kubernetes ignores HEALTHCHECK and uses the workload's probes, so an image that a "
    "Kubernetes workload of the repository runs is not reported. `HEALTHCHECK NONE` states the choice.",
    remediation='Add `HEALTHCHECK CMD ["/app/healthcheck"]` (or `HEALTHCHECK NONE` where the orchestrator '
    "probes the container).",
    example='FROM nginx:1.27.2\nHEALTHCHECK --interval=30s CMD ["curl", "-fsS", "http://localhost/healthz"]',
    graph=True,
)
def no_healthcheck(resource: Resource, graph: ResourceGraph) -> Fail | None:
    if not resource.get("final") or list(_of(resource, "HEALTHCHECK")) or graph.predecessors(resource, "runs"):
        return None
    return Fail("instructions.0", "The image declares no HEALTHCHECK")


_SECRET_FILE = re.compile(
    r"(^|/)(id_(rsa|dsa|ecdsa|ed25519)|\.env(\.[\w-]+)?|credentials(\.json)?|\.netrc|\.npmrc|\.pypirc|"
    r"\.git-credentials|\.dockercfg|kubeconfig|service[-_]?account[\w-]*\.json|[\w.-]+\.(pem|key|p12|pfx|jks|keystore))$",
    re.IGNORECASE,
)
# names that look like key material but are public halves or examples
_NOT_SECRET_FILE = re.compile(r"(\.pub$|example|sample|template|\.dist$|(^|/)ca(-bundle|-certificates)?\.pem$)", re.I)


@check(
    id="IG-DKR-038",
    title="Private key or credentials file copied into the image",
    severity="high",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-538",
    description="A private key, .env file, cloud credentials, .npmrc/.pypirc token file or kubeconfig copied "
    "into a layer stays in the image for everyone who can pull it, even if a later step deletes it.",
    remediation="Mount build-time secrets (`RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci`), give "
    "runtime secrets to the container from the orchestrator, and list these files in .dockerignore.",
    example="RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci --omit=dev",
    tags=("secrets",),
)
def secret_file_copied(resource: Resource) -> list[Fail]:
    fails = []
    for index, instruction in enumerate(resource.get("instructions") or []):
        if instruction["cmd"] not in ("COPY", "ADD") or instruction["heredocs"]:
            continue
        if any(f.startswith("--from=") for f in instruction["flags"]):
            continue  # from another stage: judged where it enters the build
        sources = [v for v in (instruction.get("expanded") or instruction["value"])[:-1] if isinstance(v, str)]
        secrets = [s for s in sources if _SECRET_FILE.search(s.rstrip("/")) and not _NOT_SECRET_FILE.search(s)]
        if secrets:
            fails.append(Fail(f"instructions.{index}", f"{instruction['cmd']} {secrets[0]} puts a secret in a layer"))
    return fails


# Images past their end of life (no security fixes) on 2026-11-30, with the date support ended.
# Deliberately conservative: only lines whose upstream support ended at least six months earlier.
_END_OF_LIFE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^python:(2(\.\d+)?|3\.[0-8])([.-]|$)"), "Python 2.x and 3.0-3.8 (3.8: October 2024)"),
    (re.compile(r"^node:(\d|1[0-8]|19|21)([.-]|$)"), "Node.js 18 and older, 19, 21 (18: April 2025)"),
    (re.compile(r"^(debian|buildpack-deps):(jessie|stretch|buster|[789]|10)([.-]|$)"), "Debian 10 and older"),
    (re.compile(r"^ubuntu:(1\d\.\d\d|20\.04|trusty|xenial|bionic|focal)([.-]|$)"), "Ubuntu 20.04 and older"),
    (re.compile(r"^alpine:3\.([0-9]|1\d|20)([.-]|$)"), "Alpine 3.20 and older (3.20: April 2026)"),
    (re.compile(r"^centos(:|$)"), "CentOS Linux and CentOS Stream 8"),
    (re.compile(r"^golang:1\.([0-9]|1\d|2[0-3])([.-]|$)"), "Go 1.23 and older (1.23: August 2025)"),
    (re.compile(r"^php:([57](\.\d+)?|8\.0)([.-]|$)"), "PHP 8.0 and older"),
    (re.compile(r"^ruby:(2(\.\d+)?|3\.[01])([.-]|$)"), "Ruby 3.1 and older (3.1: March 2025)"),
    (re.compile(r"^openjdk(:|$)"), "the deprecated openjdk image (no updates since 2022)"),
    (re.compile(r"^postgres:(\d|1[0-3])([.-]|$)"), "PostgreSQL 13 and older (13: November 2025)"),
]


def _short_image(image: str) -> str:
    """`python:3.8-slim` for `docker.io/library/python:3.8-slim@sha256:...`."""
    name = image.split("@", 1)[0]
    for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/library/", "library/"):
        name = name.removeprefix(prefix)
    return name.lower()


@check(
    id="IG-DKR-039",
    title="Base image is past its end of life",
    severity="medium",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-1104",
    description="An end-of-life distribution or language runtime gets no security fixes: every vulnerability "
    "found since stays in the image forever, and scanners' results for it are incomplete.",
    remediation="Move to a supported release of the image (for example python:3.12, node:22, debian:12, "
    "alpine:3.22) and let Renovate or Dependabot keep it current.",
    example="FROM python:3.12.7-slim-bookworm",
    tags=("supply-chain",),
)
def end_of_life_base(resource: Resource) -> Fail | None:
    if resource.get("from_stage"):
        return None
    image = _short_image(resource.get("base_image"))
    for pattern, what in _END_OF_LIFE:
        if pattern.search(image):
            return Fail("instructions.0", f"Base image {image} is end of life: {what}")
    return None


@check(
    id="IG-DKR-040",
    title="Base image not pinned by digest where the repository pins others",
    severity="low",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-829",
    description="When a repository pins some base images by digest, it has chosen immutable bases; a FROM "
    "with only a tag is the one that can change under it when the tag is re-pushed. Repositories that pin "
    "no digests are not judged (IG-DKR-002 covers missing tags).",
    remediation="Pin the digest as the other Dockerfiles do (`FROM image:tag@sha256:<digest>`), and let "
    "Renovate or Dependabot update it.",
    example="FROM python:3.12.7-slim@sha256:2fba8e70a87bcc9f6edd20dda0a1d4adb32046d2acbca7361bc61da5a106a914",
    graph=True,
    tags=("supply-chain",),
)
def digest_not_pinned_like_others(resource: Resource, graph: ResourceGraph) -> Fail | None:
    if resource.get("from_stage"):
        return None
    image = resource.get("base_image")
    if image.lower() == "scratch" or _image_tag(image)[1]:
        return None
    pinned = [
        s
        for s in graph.resources("dockerfile", "stage")
        if not s.attributes.get("from_stage") and _image_tag(str(s.attributes.get("base_image") or ""))[1]
    ]
    if not pinned:
        return None
    example = pinned[0]
    return Fail(
        "instructions.0",
        f"Base image {image} has no digest, while {example.location.file}:{example.location.start_line} pins one",
    )


_URL_CREDENTIALS = re.compile(r"\b[a-z][a-z0-9+.-]*://([^/\s:@'\"$]+):([^/\s@'\"]+)@[^\s/'\"]+", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"^(\$|<|\{|x+$|\*+$|password$|pass$|secret$|token$|changeme$|user(name)?$)", re.I)


@check(
    id="IG-DKR-041",
    title="Credentials embedded in a URL",
    severity="high",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-798",
    description="A URL of the form `https://user:password@host` in a RUN, ADD, ENV or ARG line is stored in "
    "the image history and layers: everyone who can pull the image can read the password or token.",
    remediation="Pass the credential as a BuildKit secret "
    "(`RUN --mount=type=secret,id=git_token git clone https://$(cat /run/secrets/git_token)@...`) or use a "
    "credential helper.",
    example="RUN --mount=type=secret,id=netrc,target=/root/.netrc git clone https://git.example.com/team/app.git",
    tags=("secrets",),
)
def credentials_in_url(resource: Resource) -> list[Fail]:
    fails = []
    for index, instruction in enumerate(resource.get("instructions") or []):
        if instruction["cmd"] not in ("RUN", "ADD", "ENV", "ARG", "ONBUILD"):
            continue
        text = _script(instruction) if "commands" in instruction else instruction["original"]
        for match in _URL_CREDENTIALS.finditer(text):
            if not _PLACEHOLDER.search(match.group(2)):
                fails.append(Fail(f"instructions.{index}", f"A URL carries the password of user {match.group(1)!r}"))
                break
    return fails


_PLAIN_HTTP = re.compile(r"^http://(?!(localhost|127\.0\.0\.1|\[::1\]|0\.0\.0\.0)([:/]|$))", re.IGNORECASE)


# `http://` to another host, as written in an instruction (after a blank, a quote or a line continuation)
_PLAIN_HTTP_TEXT = re.compile(
    r"(?<=[\s\"'])http://(?!(?:localhost|127\.0\.0\.1|\[::1\]|0\.0\.0\.0)(?=[:/\s\"']|$))", re.IGNORECASE
)


def _https(text: str) -> str | None:
    """The plain-HTTP URLs of an ADD, or of the curl and wget commands of a RUN, as https://."""
    if re.match(r"\s*ADD\b", text, re.IGNORECASE):
        edited = _PLAIN_HTTP_TEXT.sub("https://", text)
    elif shell_form_run(text):
        out, last = [], 0
        for start, _, end in commands(text, "curl|wget"):
            out += [text[last:start], _PLAIN_HTTP_TEXT.sub("https://", text[start:end])]
            last = end
        edited = "".join([*out, text[last:]])
    else:
        return None
    return edited if edited != text else None


@check(
    id="IG-DKR-042",
    title="Software downloaded over plain HTTP",
    severity="medium",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-319",
    description="curl or wget of an `http://` URL, or ADD of one, fetches code or keys that anyone on the "
    "network path can replace. Unless a checksum or signature is verified afterwards, the image runs it.",
    remediation="Download over HTTPS, and verify a checksum or signature in the same step.",
    example="RUN curl -fsSLo /tmp/tool.tgz https://downloads.example.com/tool-1.4.2.tgz \\\n"
    ' && echo "<sha256>  /tmp/tool.tgz" | sha256sum -c -',
    tags=("supply-chain",),
    fix=RewriteInstruction(
        _https,
        "download over https://",
        unsafe="a server that does not serve the same path over HTTPS, or serves it with a certificate the image "
        "does not trust, fails the build",
    ),
)
def plain_http_download(resource: Resource) -> list[Fail]:
    fails = []
    for index, instruction in enumerate(resource.get("instructions") or []):
        if instruction["cmd"] == "ADD":
            if any(f.startswith("--checksum") for f in instruction["flags"]):
                continue
            urls = [v for v in instruction["value"][:-1] if _PLAIN_HTTP.match(v)]
        elif "commands" in instruction:
            script = _script(instruction)
            if re.search(r"\b(sha(1|256|512)sum|gpg\s+--verify|md5sum)\b", script):
                continue  # verified after download
            urls = [
                a
                for name, args, _ in _commands(instruction)
                if name in ("curl", "wget")
                for a in args
                if _PLAIN_HTTP.match(a)
            ]
        else:
            continue
        if urls:
            fails.append(Fail(f"instructions.{index}", f"{urls[0]} is downloaded without TLS or a checksum"))
    return fails


_PASSWORD_SET = re.compile(
    r"(\bchpasswd\b|\bpasswd\s+--stdin\b|\bopenssl\s+passwd\b|\busermod\b[^\n;&|]*\s-p\s+\S|\buseradd\b[^\n;&|]*\s-p\s+\S)"
)


@check(
    id="IG-DKR-043",
    title="Password set for a user inside the image",
    severity="high",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-798",
    description="`echo 'root:secret' | chpasswd`, `passwd --stdin` or `useradd -p` bakes a password into the "
    "image and its history: every container from it shares the password, and anyone who pulls the image "
    "can read or crack it.",
    remediation="Create users without passwords (`useradd --no-create-home --shell /usr/sbin/nologin app`) "
    "and authenticate services with keys or tokens given at run time.",
    example="RUN useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin app",
    tags=("secrets",),
)
def password_in_image(resource: Resource) -> list[Fail]:
    fails = []
    for index, instruction in _runs(resource):
        match = _PASSWORD_SET.search(_script(instruction))
        if match:
            fails.append(Fail(f"instructions.{index}", f"{match.group(1).split()[0]} sets a password in the image"))
    return fails


_SSH_SERVERS = re.compile(r"^(openssh-server|dropbear|openssh)(=|~|-\d|$)")


@check(
    id="IG-DKR-044",
    title="SSH server installed in the image",
    severity="medium",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-284",
    description="An SSH server in a container is another long-lived credential-bearing service and a way in "
    "that bypasses the orchestrator's exec, audit and RBAC, whether or not the port is EXPOSEd.",
    remediation="Remove the SSH server; debug with `kubectl exec`, `docker exec` or ephemeral debug containers.",
    example="RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \\\n"
    " && rm -rf /var/lib/apt/lists/*",
    tags=("network",),
)
def ssh_server_installed(resource: Resource) -> list[Fail]:
    fails = []
    for index, instruction in _runs(resource):
        for name, args, _ in _commands(instruction):
            installs = name in ("apt-get", "apt", "yum", "dnf", "microdnf", "zypper", "apk") and any(
                a in ("install", "add", "in") for a in args
            )
            server = next((a for a in args if _SSH_SERVERS.match(a)), None)
            if installs and server:
                fails.append(Fail(f"instructions.{index}", f"{name} installs the SSH server {server}"))
                break
    return fails
