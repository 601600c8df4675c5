"""Dockerfile checks on package managers: unpinned versions, stale caches, left-over package lists.

An unpinned install from a language registry (PyPI, npm, RubyGems, Go modules) is low severity: it
makes builds irreproducible and lets a compromised or hijacked release land unreviewed, and those
registries are where malicious releases appear. An unpinned distribution package (apt, apk, dnf,
zypper) is info: it comes signed from the distribution that the (pinned) base image already trusts,
and nearly every official image installs them unpinned, so reporting it at low would fail most gates
for little risk. Cache and list hygiene is info.
Every failure points at the RUN instruction; the message names the packages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from checks._dockerfile_text import add_option, append_command, commands
from checks.dockerfile import _commands, _runs
from scanner.fix.spec import RewriteInstruction
from scanner.records import Resource
from scanner.registry import Fail, check

# options that take the next word as their value, per package manager
_VALUE_OPTIONS = {
    "apt": {"-o", "-t", "--target-release", "-c", "--config-file", "--option"},
    "apk": {"-X", "--repository", "-t", "--virtual", "-p", "--root", "--arch", "--repositories-file", "--keys-dir"},
    "rpm": {"--releasever", "--installroot", "--setopt", "--enablerepo", "--disablerepo", "--repo", "-c", "--config"},
    "zypper": {"-r", "--repo", "--from", "-t", "--type"},
    "pip": {
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "--trusted-host",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--only-binary",
        "--no-binary",
        "--progress-bar",
        "--cache-dir",
        "--src",
        "-C",
        "--config-settings",
        "--global-option",
        "-r",
        "--requirement",
        "-c",
        "--constraint",
        "-e",
        "--editable",
        "--upgrade-strategy",
        "--log",
        "--timeout",
        "--retries",
        "--proxy",
        "--cert",
        "--client-cert",
        "--python",
    },
    "npm": {"--prefix", "--registry", "--cache", "--userconfig", "-w", "--workspace", "--omit", "--include"},
    "gem": {"-i", "--install-dir", "-n", "--bindir", "-s", "--source", "-P", "--trust-policy", "--platform"},
}
# a file or directory rather than a repository package (Go and npm package names contain slashes)
_LOCAL_PACKAGE = re.compile(r"(^[./~]|\.(deb|rpm|apk|whl|tar\.gz|tgz|zip|gem)$|^(file|git\+\w+|https?):)")
# flags that make an install command only print what it would do
_SIMULATE = {"-s", "--simulate", "--dry-run", "--just-print", "--no-act", "--recon", "--assumeno", "--simulate=yes"}
_OS_MANAGERS = {"apt", "apk", "rpm", "zypper"}
_PIP_SELF = {"pip", "setuptools", "wheel"}  # upgrading the installer itself is routine hygiene
_RECOMMENDS_OFF = re.compile(r"Install-Recommends[\"']?=[\"']?(false|0)", re.I)  # -o APT::Install-Recommends=false


def _operands(args: list[str], value_options: set[str]) -> list[str]:
    """Positional words of a command line, with options and the values of value-taking options removed."""
    words, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg.startswith("-"):
            skip = arg in value_options
        else:
            words.append(arg)
    return words


def _pip(name: str, args: list[str]) -> list[str] | None:
    """The arguments after `install` of a pip invocation (`pip3 install`, `python -m pip install`), else None."""
    if re.fullmatch(r"python[\d.]*", name) and args[:2] == ["-m", "pip"]:
        name, args = "pip", args[2:]
    if not re.fullmatch(r"pip[\d.]*", name) or "install" not in args:
        return None
    return args[args.index("install") + 1 :]


def _install_args(name: str, args: list[str], manager: str) -> list[str] | None:
    """The arguments after the install verb when `name args` installs packages with `manager`, else None."""
    verbs = {
        "apt": ({"apt-get", "apt"}, {"install"}),
        "apk": ({"apk"}, {"add"}),
        "rpm": ({"yum", "dnf", "microdnf", "tdnf"}, {"install"}),
        "zypper": ({"zypper"}, {"install", "in"}),
        "npm": ({"npm"}, {"install", "i", "add"}),
        "gem": ({"gem"}, {"install"}),
        "go": ({"go"}, {"install"}),
    }
    if manager == "pip":
        return _pip(name, args)
    if _SIMULATE & set(args):
        return None
    programs, install = verbs[manager]
    if name not in programs:
        return None
    verb = next((i for i, a in enumerate(args) if not a.startswith("-")), None)
    if verb is None or args[verb] not in install:
        return None
    return args[verb + 1 :]


def _variable(word: str) -> bool:
    return "$" in word or "`" in word


_PINNED: dict[str, Callable[[str], bool]] = {
    "apt": lambda p: "=" in p,
    "apk": lambda p: bool(re.search(r"[=~<>]", p)),
    # name-version(-release): a hyphen followed by a digit (java-17-openjdk is read as pinned: no false alarm)
    "rpm": lambda p: bool(re.search(r"-\d", p)) or "=" in p,
    "zypper": lambda p: bool(re.search(r"[=<>]", p)),
    "pip": lambda p: bool(re.search(r"(===?|~=|>=|<=|!=|<|>|@)", p)),
    "npm": lambda p: "@" in p.lstrip("@"),
    "go": lambda p: "@" in p and not p.endswith("@latest"),
}


def _unpinned(resource: Resource, manager: str) -> Iterator[tuple[int, list[str]]]:
    """(instruction index, unpinned packages) of every RUN that installs packages with `manager`."""
    for index, instruction in _runs(resource):
        loose: list[str] = []
        for name, args, _ in _commands(instruction):
            rest = _install_args(name, args, manager)
            if rest is None:
                continue
            if manager == "gem":
                loose += _unpinned_gems(rest)
                continue
            for package in _operands(rest, _VALUE_OPTIONS.get(manager, set())):
                if _variable(package) or _LOCAL_PACKAGE.search(package) or _PINNED[manager](package):
                    continue
                if "/" in package and manager in _OS_MANAGERS:
                    continue  # a path or glob of local packages, or apt's `package/release` pin
                if manager == "pip" and re.split(r"[\[;]", package)[0].lower() in _PIP_SELF:
                    continue
                loose.append(package)
        if loose:
            yield index, loose


def _unpinned_gems(args: list[str]) -> list[str]:
    if any(a in ("-v", "--version") or a.startswith("--version=") for a in args):
        return []
    gems = _operands(args, _VALUE_OPTIONS["gem"])
    return [g for g in gems if ":" not in g and not _variable(g) and not _LOCAL_PACKAGE.search(g)]


def _unpinned_fails(resource: Resource, manager: str, tool: str) -> list[Fail]:
    return [
        Fail(
            f"instructions.{index}",
            f"{tool} installs {', '.join(packages[:5])}"
            f"{' and more' if len(packages) > 5 else ''} without a version pin",
        )
        for index, packages in _unpinned(resource, manager)
    ]


_UNPINNED = {
    "description": "An install without a version takes whatever the repository serves on the day of the "
    "build: builds stop being reproducible, and a compromised or broken release is pulled in unreviewed.",
}


@check(
    id="IG-DKR-014",
    title="apt-get install without version pins",
    severity="info",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-1357",
    description=_UNPINNED["description"] + " Debian and Ubuntu pin with `package=version`.",
    remediation="Pin each package (`apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8`) and "
    "let Renovate or Dependabot propose bumps; or pin the base image by digest and accept its package set.",
    example="RUN apt-get update \\\n && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n"
    " && rm -rf /var/lib/apt/lists/*",
    tags=("supply-chain",),
)
def apt_unpinned(resource: Resource) -> list[Fail]:
    return _unpinned_fails(resource, "apt", "apt-get install")


@check(
    id="IG-DKR-015",
    title="apk add without version pins",
    severity="info",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-1357",
    description=_UNPINNED["description"] + " Alpine pins with `package=version` or `package~version`.",
    remediation="Pin each package (`apk add --no-cache curl~8.9`), or pin the base image by digest.",
    example="RUN apk add --no-cache curl~8.9 ca-certificates~20240705",
    tags=("supply-chain",),
)
def apk_unpinned(resource: Resource) -> list[Fail]:
    return _unpinned_fails(resource, "apk", "apk add")


@check(
    id="IG-DKR-016",
    title="yum/dnf install without version pins",
    severity="info",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-1357",
    description=_UNPINNED["description"] + " yum, dnf and microdnf pin with `name-version`.",
    remediation="Pin each package (`dnf install -y nginx-1.24.0`), or pin the base image by digest.",
    example="RUN dnf install -y nginx-1.24.0 && dnf clean all",
    tags=("supply-chain",),
)
def rpm_unpinned(resource: Resource) -> list[Fail]:
    return _unpinned_fails(resource, "rpm", "yum/dnf install")


@check(
    id="IG-DKR-017",
    title="zypper install without version pins",
    severity="info",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-1357",
    description=_UNPINNED["description"] + " zypper pins with `name=version` or a range (`name>=1.2`).",
    remediation="Pin each package (`zypper install -y curl=8.6.0`), or pin the base image by digest.",
    example="RUN zypper --non-interactive install -y curl=8.6.0 && zypper clean --all",
    tags=("supply-chain",),
)
def zypper_unpinned(resource: Resource) -> list[Fail]:
    return _unpinned_fails(resource, "zypper", "zypper install")


@check(
    id="IG-DKR-018",
    title="pip install without version pins",
    severity="low",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-1357",
    description=_UNPINNED["description"] + " PyPI packages are a frequent target of malicious releases. "
    "Upgrading pip, setuptools and wheel themselves is not reported.",
    remediation="Install from a pinned requirements file (`pip install -r requirements.txt`, ideally with "
    "`--require-hashes`) or pin each package (`pip install flask==3.0.3`).",
    example="RUN pip install --no-cache-dir --require-hashes -r requirements.txt",
    tags=("supply-chain",),
)
def pip_unpinned(resource: Resource) -> list[Fail]:
    return _unpinned_fails(resource, "pip", "pip install")


@check(
    id="IG-DKR-019",
    title="npm install of a package without a version",
    severity="low",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-1357",
    description=_UNPINNED["description"] + " `npm install` or `npm ci` without package names follows the "
    "lockfile and is not reported; `npm install -g some-tool` takes the latest release.",
    remediation="Pin the version (`npm install -g pnpm@9.12.1`), or add the tool to package.json and install "
    "with `npm ci`.",
    example="RUN npm install -g pnpm@9.12.1 && npm ci --omit=dev",
    tags=("supply-chain",),
)
def npm_unpinned(resource: Resource) -> list[Fail]:
    return _unpinned_fails(resource, "npm", "npm install")


@check(
    id="IG-DKR-020",
    title="gem install without a version",
    severity="low",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-1357",
    description=_UNPINNED["description"],
    remediation="Pin the version (`gem install bundler -v 2.5.22` or `gem install bundler:2.5.22`), or "
    "install through a Gemfile.lock with `bundle install`.",
    example="RUN gem install bundler -v 2.5.22 && bundle install --deployment",
    tags=("supply-chain",),
)
def gem_unpinned(resource: Resource) -> list[Fail]:
    return _unpinned_fails(resource, "gem", "gem install")


@check(
    id="IG-DKR-021",
    title="go install without a version or with @latest",
    severity="low",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-1357",
    description=_UNPINNED["description"] + " `go install pkg@latest` resolves to whatever was tagged last.",
    remediation="Install a tagged version: `go install golang.org/x/tools/gopls@v0.16.2`.",
    example="RUN go install golang.org/x/tools/gopls@v0.16.2",
    tags=("supply-chain",),
)
def go_unpinned(resource: Resource) -> list[Fail]:
    return _unpinned_fails(resource, "go", "go install")


def _apt_commands(resource: Resource) -> Iterator[tuple[int, list[tuple[str, list[str]]]]]:
    """(index, [(program, args)...]) of every RUN that calls apt-get or apt."""
    for index, instruction in _runs(resource):
        calls = [(name, args) for name, args, _ in _commands(instruction)]
        if any(name in ("apt-get", "apt") for name, _ in calls):
            yield index, calls


def _verb(args: list[str]) -> str | None:
    return next((a for a in args if not a.startswith("-")), None)


def _no_install_recommends(text: str) -> str | None:
    return add_option(
        text, "apt-get|apt", "install", "--no-install-recommends",
        lambda command: "--no-install-recommends" in command or bool(_RECOMMENDS_OFF.search(command)),
    )  # fmt: skip


@check(
    id="IG-DKR-022",
    title="apt-get install without --no-install-recommends",
    severity="info",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-1164",
    description="Without --no-install-recommends apt also installs every recommended package: more code in "
    "the image to patch and to exploit, and a larger image. Informational: it widens the attack surface "
    "rather than opening anything.",
    remediation="Add `--no-install-recommends` (or `-o APT::Install-Recommends=false`) and install what you "
    "really need by name.",
    example="RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \\\n"
    " && rm -rf /var/lib/apt/lists/*",
    tags=("hygiene",),
    fix=RewriteInstruction(
        _no_install_recommends,
        "add --no-install-recommends to apt-get install",
        unsafe="packages the image relied on without naming them (only recommended by what it installs) are no "
        "longer installed",
    ),
)
def apt_recommends(resource: Resource) -> list[Fail]:
    fails = []
    for index, calls in _apt_commands(resource):
        for name, args in calls:
            if name in ("apt-get", "apt") and _verb(args) == "install" and not _SIMULATE & set(args):
                off = _RECOMMENDS_OFF.search(" ".join(args))
                if "--no-install-recommends" not in args and not off:
                    fails.append(Fail(f"instructions.{index}", f"{name} install also installs recommended packages"))
                    break
    return fails


def _remove_apt_lists(text: str) -> str | None:
    return append_command(text, "rm -rf /var/lib/apt/lists/*")


@check(
    id="IG-DKR-023",
    title="apt package lists left in the image",
    severity="info",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-1164",
    description="A RUN that runs `apt-get update` and installs packages but does not remove "
    "/var/lib/apt/lists in the same step keeps tens of megabytes of package indexes in the layer, which "
    "also go stale. Informational hygiene. Stages whose files are not copied into the final image matter "
    "less, so only the final stage is judged.",
    remediation="End the same RUN with `&& rm -rf /var/lib/apt/lists/*` (or use a cache mount: "
    "`RUN --mount=type=cache,target=/var/lib/apt/lists ...`).",
    example="RUN apt-get update && apt-get install -y --no-install-recommends curl \\\n && rm -rf /var/lib/apt/lists/*",
    tags=("hygiene",),
    # Safe: the lists are apt's download index, rebuilt by the next `apt-get update`; only a later RUN that
    # installs without updating first needs them, and it fails the build (it never ships a different image).
    fix=RewriteInstruction(_remove_apt_lists, "remove /var/lib/apt/lists at the end of the RUN"),
)
def apt_lists_left(resource: Resource) -> list[Fail]:
    if not resource.get("final"):
        return []
    fails = []
    for index, calls in _apt_commands(resource):
        instruction = resource.get(f"instructions.{index}")
        if any("type=cache" in f for f in instruction["flags"]):
            continue
        updates = any(name in ("apt-get", "apt") and _verb(args) == "update" for name, args in calls)
        cleans = any(
            (name == "rm" and any("/var/lib/apt/lists" in a for a in args))
            or (name in ("apt-get", "apt") and _verb(args) == "dist-clean")  # apt >= 2.7 removes the lists too
            for name, args in calls
        )
        if updates and not cleans:
            fails.append(Fail(f"instructions.{index}", "apt-get update leaves /var/lib/apt/lists in the layer"))
    return fails


@check(
    id="IG-DKR-024",
    title="Distribution upgrade inside the image build",
    severity="info",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-1357",
    description="`apt-get upgrade`, `dist-upgrade`, `apk upgrade` or `yum update` with no package names "
    "upgrade whatever is newest on build day: the image no longer matches its pinned base, and two builds "
    "of one commit differ. Informational: it is often done on purpose to pick up security fixes.",
    remediation="Rebuild on a newer base image (pinned by digest and bumped by Renovate/Dependabot) instead "
    "of upgrading in place; upgrade named packages when one fix is needed.",
    example="FROM debian:12.7-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl",
    tags=("hygiene",),
)
def distribution_upgrade(resource: Resource) -> list[Fail]:
    fails = []
    for index, instruction in _runs(resource):
        for name, args, _ in _commands(instruction):
            verb = _verb(args)
            upgrade = (name in ("apt-get", "apt") and verb in ("upgrade", "dist-upgrade", "full-upgrade")) or (
                name == "apk" and verb == "upgrade"
            )
            rpm_all = (
                name in ("yum", "dnf", "microdnf")
                and verb in ("update", "upgrade")
                and not [a for a in _operands(args, _VALUE_OPTIONS["rpm"])[1:]]
            )
            if upgrade or rpm_all:
                fails.append(Fail(f"instructions.{index}", f"{name} {verb} upgrades every package at build time"))
                break
    return fails


@check(
    id="IG-DKR-025",
    title="apt-get update in a RUN of its own",
    severity="low",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-1357",
    description="Docker caches each RUN layer: an `apt-get update` alone in its step is reused from the "
    "cache while a later `apt-get install` step changes, so packages are installed from a stale index, "
    "missing security updates, or fail to download.",
    remediation="Update and install in the same RUN: `RUN apt-get update && apt-get install -y ...`.",
    example="RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*",
)
def apt_update_alone(resource: Resource) -> list[Fail]:
    fails = []
    for index, calls in _apt_commands(resource):
        verbs = {_verb(args) for name, args in calls if name in ("apt-get", "apt")}
        if "update" in verbs and not verbs & {"install", "upgrade", "dist-upgrade", "full-upgrade"}:
            fails.append(Fail(f"instructions.{index}", "apt-get update runs alone: its cache goes stale"))
    return fails


_APK_NO_CACHE = re.compile(r"\s--no-(cache|network)(?=\s|$)")


def _apk_no_cache(text: str) -> str | None:
    return add_option(text, "apk", "add", "--no-cache", lambda command: bool(_APK_NO_CACHE.search(command)))


@check(
    id="IG-DKR-026",
    title="apk add without --no-cache",
    severity="info",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-1164",
    description="`apk add` without --no-cache or --no-network (or a later `rm -rf /var/cache/apk/*`) leaves "
    "the package index in the layer. Informational hygiene; only the final stage is judged.",
    remediation="Use `apk add --no-cache ...`.",
    example="RUN apk add --no-cache ca-certificates~20240705",
    tags=("hygiene",),
    # Safe: --no-cache fetches the index for this command instead of reading and keeping /var/cache/apk;
    # the same packages are installed.
    fix=RewriteInstruction(_apk_no_cache, "add --no-cache to apk add"),
)
def apk_cache_left(resource: Resource) -> list[Fail]:
    if not resource.get("final"):
        return []
    fails = []
    for index, instruction in _runs(resource):
        calls = [(name, args) for name, args, _ in _commands(instruction)]
        adds = any(
            name == "apk" and _verb(args) == "add" and not {"--no-cache", "--no-network"} & set(args)
            for name, args in calls
        )
        cleans = any(name == "rm" and any("/var/cache/apk" in a for a in args) for name, args in calls)
        if adds and not cleans and not any("type=cache" in f for f in instruction["flags"]):
            fails.append(Fail(f"instructions.{index}", "apk add keeps its package index in the layer"))
    return fails


def _rpm_clean_all(text: str) -> str | None:
    """`&& dnf clean all` (or yum, the installer the RUN calls first) at the end of the RUN."""
    found = commands(text, "yum|dnf", "install")
    if not found:
        return None
    program = re.match(r"(?:[\w./-]*/)?(\w+)", text[found[0][0] :])
    return append_command(text, f"{program.group(1) if program else 'dnf'} clean all")


@check(
    id="IG-DKR-027",
    title="yum/dnf install without cleaning the cache",
    severity="info",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-1164",
    description="yum and dnf keep downloaded metadata and packages under /var/cache unless the same RUN "
    "cleans them. Informational hygiene; only the final stage is judged.",
    remediation="End the same RUN with `&& yum clean all` (or `dnf clean all`, `rm -rf /var/cache/yum`).",
    example="RUN dnf install -y nginx-1.24.0 && dnf clean all",
    tags=("hygiene",),
    # Safe: `clean all` removes downloaded metadata and packages; yum and dnf fetch metadata again when a
    # later command needs it.
    fix=RewriteInstruction(_rpm_clean_all, "clean the yum/dnf cache at the end of the RUN"),
)
def rpm_cache_left(resource: Resource) -> list[Fail]:
    if not resource.get("final"):
        return []
    fails = []
    for index, instruction in _runs(resource):
        calls = [(name, args) for name, args, _ in _commands(instruction)]
        installs = [name for name, args in calls if name in ("yum", "dnf") and _verb(args) == "install"]
        cleans = any(
            (name in ("yum", "dnf") and args[:2] == ["clean", "all"])
            or (name == "rm" and any(re.search(r"/var/cache/(yum|dnf)", a) for a in args))
            for name, args in calls
        )
        if installs and not cleans and not any("type=cache" in f for f in instruction["flags"]):
            fails.append(Fail(f"instructions.{index}", f"{installs[0]} install leaves its cache in the layer"))
    return fails
