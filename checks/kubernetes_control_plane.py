"""Control plane and node settings: flags of kube-apiserver, kube-controller-manager, kube-scheduler and etcd
in static pod manifests (or any workload running them), the same flags in a kubeadm ClusterConfiguration's
`extraArgs`, and the kubelet's KubeletConfiguration file (or kubelet flags in a manifest).

A flag left out is judged by the binary's default where that default is the risk (kube-apiserver's
`--authorization-mode` defaults to AlwaysAllow, the kubelet's `--anonymous-auth` to true). kubeadm fills in
its own defaults for a ClusterConfiguration, so there only values written out are judged.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from checks._helpers import Verdict
from scanner.kube import WORKLOAD_KINDS, containers
from scanner.records import Resource, Unknown, UnknownValue
from scanner.registry import Fail, check

APISERVER, CONTROLLER_MANAGER, SCHEDULER, ETCD, KUBELET = (
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "etcd",
    "kubelet",
)
FLAG_SOURCES = [*WORKLOAD_KINDS, "ClusterConfiguration"]
KUBEADM_SECTIONS = {
    "apiServer": APISERVER,
    "controllerManager": CONTROLLER_MANAGER,
    "scheduler": SCHEDULER,
    "etcd.local": ETCD,
}
MAX_SHELL_TEXT = 20_000  # a `sh -c` script longer than this is not split into words
WEAK_TLS_VERSIONS = frozenset({"VersionTLS10", "VersionTLS11"})


@dataclass
class Flags:
    """The command-line flags one component is started with: flag -> (value, attribute path)."""

    component: str
    where: str  # where a missing flag is reported (the container's command, or the extraArgs map)
    values: dict[str, tuple[str, str]] = field(default_factory=dict)
    defaults_apply: bool = True  # false for kubeadm: it supplies its own defaults for flags not written

    def get(self, flag: str) -> tuple[str, str] | None:
        return self.values.get(flag)

    def items(self, flag: str) -> list[str]:
        found = self.values.get(flag)
        return [item.strip() for item in found[0].split(",")] if found else []


def _words(resource: Resource, base: str) -> Iterator[tuple[str, str]]:
    """(word, path) of a container's command and args; a `sh -c` string is split into its words."""
    for key in ("command", "args"):
        value = resource.get(f"{base}.{key}")
        for index, item in enumerate(value if isinstance(value, list) else []):
            path = f"{base}.{key}.{index}"
            if isinstance(item, Unknown):
                raise UnknownValue(path, item.reason)
            text = str(item)
            if " " in text.strip() and len(text) <= MAX_SHELL_TEXT:
                try:
                    parts = shlex.split(text, comments=False)
                except ValueError:
                    parts = text.split()
                yield from ((part, path) for part in parts)
            else:
                yield text.strip(), path


def _container_flags(resource: Resource) -> Iterator[Flags]:
    for c in containers(resource):
        words = list(_words(resource, c.path))
        for position, (word, _) in enumerate(words):
            if word.startswith("-") or "=" in word or ("/" in word and not word.startswith("/")):
                continue  # a flag or a value (`--kubelet-service kube-system/kubelet`), not a program
            component = word.rsplit("/", 1)[-1]
            if component in (APISERVER, CONTROLLER_MANAGER, SCHEDULER, ETCD, KUBELET):
                where = f"{c.path}.command" if c.spec.get("command") else c.path
                yield _parse(component, words[position + 1 :], where)
                break


def _parse(component: str, words: list[tuple[str, str]], where: str) -> Flags:
    flags = Flags(component, where)
    index = 0
    while index < len(words):
        word, path = words[index]
        index += 1
        if not word.startswith("-"):
            continue
        name, _, value = word.lstrip("-").partition("=")
        if not value and "=" not in word:
            if index < len(words) and not words[index][0].startswith("-"):
                value = words[index][0]
                index += 1
            else:
                value = "true"
        flags.values[name] = (value, path)
    return flags


def _kubeadm_flags(resource: Resource) -> Iterator[Flags]:
    for section, component in KUBEADM_SECTIONS.items():
        args = resource.get(f"{section}.extraArgs")
        flags = Flags(component, f"{section}.extraArgs", defaults_apply=False)
        if isinstance(args, dict):  # kubeadm.k8s.io/v1beta3
            for name in args:
                path = f"{section}.extraArgs.{name}"
                flags.values[str(name)] = (str(resource.get(path)), path)
        elif isinstance(args, list):  # v1beta4: [{name, value}]
            for index, _ in enumerate(args):
                name = resource.get(f"{section}.extraArgs.{index}.name")
                value = resource.get(f"{section}.extraArgs.{index}.value")
                flags.values[str(name)] = (str(value), f"{section}.extraArgs.{index}.value")
        else:
            continue
        yield flags


def component_flags(resource: Resource, *components: str) -> list[Flags]:
    """Flags of the given components that this resource starts (or configures, for kubeadm)."""
    found = _kubeadm_flags(resource) if resource.type == "ClusterConfiguration" else _container_flags(resource)
    return [flags for flags in found if flags.component in components]


def _judge(resource: Resource, components: tuple[str, ...], judge) -> list[Fail] | None:
    verdict = Verdict()
    for flags in component_flags(resource, *components):
        with verdict.item():
            fail = judge(flags)
            if fail is not None:
                verdict.fails.append(fail)
    return verdict.result()


def _missing(flags: Flags, message: str) -> Fail | None:
    return Fail(flags.where, message) if flags.defaults_apply else None


def _flag_is(flags: Flags, flag: str, bad: str, default: str, message: str) -> Fail | None:
    """Fail when the flag is `bad`, or is left out and its default is."""
    found = flags.get(flag)
    if found is not None:
        return Fail(found[1], message) if found[0].strip().lower() == bad else None
    return _missing(flags, f"{message} (--{flag} defaults to {default})") if default == bad else None


# low: with RBAC, anonymous requests to the API server get only what is bound to system:anonymous (discovery,
# health); the flag matters when a binding opens more, which IG-K8S-046 reports.
@check(
    id="IG-K8S-048",
    title="API server accepts anonymous requests",
    severity="low",
    framework="kubernetes",
    types=FLAG_SOURCES,
    cwe="CWE-306",
    description="kube-apiserver's `--anonymous-auth` defaults to true: requests without credentials are served "
    "as system:anonymous, with whatever RBAC grants that user and the system:unauthenticated group. Turning it "
    "off removes that surface (health checks then need credentials or the dedicated health endpoints).",
    remediation="Start kube-apiserver with `--anonymous-auth=false`, or restrict anonymous access to the "
    "health endpoints with an AuthenticationConfiguration (`anonymous.conditions`).",
    example="command:\n  - kube-apiserver\n  - --anonymous-auth=false\n  - --authorization-mode=Node,RBAC",
    tags=("iam",),
)
def apiserver_anonymous_auth(resource: Resource) -> list[Fail] | None:
    return _judge(
        resource, (APISERVER,), lambda f: _flag_is(f, "anonymous-auth", "true", "true", "anonymous requests are "
                                                     "accepted")
    )  # fmt: skip


# critical: the insecure port serves the whole API over HTTP with no authentication or authorization.
@check(
    id="IG-K8S-049",
    title="API server serves the insecure (unauthenticated) port",
    severity="critical",
    framework="kubernetes",
    types=FLAG_SOURCES,
    cwe="CWE-306",
    description="`--insecure-port` other than 0 (API servers before 1.24) serves every API over plain HTTP, "
    "skipping authentication and authorization: anyone who reaches it is cluster-admin. An "
    "`--insecure-bind-address` other than localhost exposes it beyond the node.",
    remediation="Set `--insecure-port=0` (or upgrade: the flag is gone since 1.24) and remove "
    "`--insecure-bind-address`.",
    example="command:\n  - kube-apiserver\n  - --insecure-port=0\n  - --secure-port=6443",
    tags=("public",),
)
def apiserver_insecure_port(resource: Resource) -> list[Fail] | None:
    def judge(flags: Flags) -> Fail | None:
        port = flags.get("insecure-port")
        if port is not None and port[0].strip() not in ("0", ""):
            return Fail(port[1], f"the API server serves unauthenticated HTTP on port {port[0]}")
        address = flags.get("insecure-bind-address")
        if address is not None and address[0].strip() not in ("127.0.0.1", "localhost", "::1"):
            return Fail(address[1], f"the insecure port is bound to {address[0]}")
        return None

    return _judge(resource, (APISERVER,), judge)


# critical: AlwaysAllow authorizes every authenticated (and, with anonymous auth, unauthenticated) request.
@check(
    id="IG-K8S-050",
    title="API server authorizes every request (AlwaysAllow)",
    severity="critical",
    framework="kubernetes",
    types=FLAG_SOURCES,
    cwe="CWE-862",
    description="With `--authorization-mode` AlwaysAllow (its default when the flag is left out), every "
    "request the API server authenticates, anonymous ones included, is allowed: RBAC is not consulted.",
    remediation="Set `--authorization-mode=Node,RBAC`.",
    example="command:\n  - kube-apiserver\n  - --authorization-mode=Node,RBAC",
    tags=("iam",),
)
def apiserver_always_allow(resource: Resource) -> list[Fail] | None:
    def judge(flags: Flags) -> Fail | None:
        found = flags.get("authorization-mode")
        if found is None:
            return None if flags.get("authorization-config") else _missing(
                flags, "no --authorization-mode: it defaults to AlwaysAllow"
            )  # fmt: skip
        if "AlwaysAllow" in flags.items("authorization-mode"):
            return Fail(found[1], f"--authorization-mode={found[0]} allows every request")
        return None

    return _judge(resource, (APISERVER,), judge)


# high: static token and password files are long-lived plaintext credentials the API server cannot rotate.
@check(
    id="IG-K8S-051",
    title="API server authenticates with a static token or password file",
    severity="high",
    framework="kubernetes",
    types=FLAG_SOURCES,
    cwe="CWE-798",
    description="`--token-auth-file` (and `--basic-auth-file`, removed in 1.19) read plaintext credentials "
    "that live on the control plane's disk, never expire and change only when the API server restarts.",
    remediation="Remove the flag; authenticate people with OIDC or client certificates and workloads with "
    "ServiceAccount tokens.",
    example="command:\n  - kube-apiserver\n  - --oidc-issuer-url=https://login.example.com",
    tags=("iam",),
)
def apiserver_static_credentials(resource: Resource) -> list[Fail] | None:
    verdict = Verdict()
    for flags in component_flags(resource, APISERVER):
        for flag in ("token-auth-file", "basic-auth-file"):
            found = flags.get(flag)
            if found is not None:
                verdict.fails.append(Fail(found[1], f"--{flag} reads static credentials from {found[0]}"))
    return verdict.result()


# low: the profiling endpoint leaks program internals and costs CPU; it is served only to authorized callers.
@check(
    id="IG-K8S-052",
    title="Control plane component serves profiling data",
    severity="low",
    framework="kubernetes",
    types=FLAG_SOURCES,
    cwe="CWE-200",
    description="kube-apiserver, kube-controller-manager and kube-scheduler enable `/debug/pprof` unless "
    "`--profiling=false`: detailed program internals, and a way to load the component, for anyone allowed "
    "to reach it.",
    remediation="Start the component with `--profiling=false`.",
    example="command:\n  - kube-scheduler\n  - --profiling=false",
)
def control_plane_profiling(resource: Resource) -> list[Fail] | None:
    return _judge(
        resource, (APISERVER, CONTROLLER_MANAGER, SCHEDULER),
        lambda f: _flag_is(f, "profiling", "true", "true", f"{f.component} serves profiling data"),
    )  # fmt: skip


# medium: without audit logging there is no record of who read or changed what (detection, not prevention).
@check(
    id="IG-K8S-053",
    title="API server audit logging is not configured",
    severity="medium",
    framework="kubernetes",
    types=FLAG_SOURCES,
    cwe="CWE-778",
    description="kube-apiserver writes audit events only with an `--audit-policy-file` and a backend "
    "(`--audit-log-path` or `--audit-webhook-config-file`): without them nobody can tell who read a Secret or "
    "created a privileged pod.",
    remediation="Set `--audit-policy-file` and `--audit-log-path` (with `--audit-log-maxage`, "
    "`--audit-log-maxbackup`, `--audit-log-maxsize`) or a webhook backend.",
    example="command:\n  - kube-apiserver\n  - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n"
    "  - --audit-log-path=/var/log/kubernetes/audit.log\n  - --audit-log-maxage=30",
    tags=("logging",),
)
def apiserver_audit_log(resource: Resource) -> list[Fail] | None:
    def judge(flags: Flags) -> Fail | None:
        if flags.get("audit-policy-file") is None:
            return _missing(flags, "no --audit-policy-file: the API server records no audit events")
        if flags.get("audit-log-path") is None and flags.get("audit-webhook-config-file") is None:
            return _missing(flags, "no --audit-log-path or --audit-webhook-config-file: audit events go nowhere")
        return None

    return _judge(resource, (APISERVER,), judge)


# medium: TLS 1.0/1.1 and RC4/3DES suites are breakable; the control plane carries every credential.
@check(
    id="IG-K8S-054",
    title="Control plane or kubelet accepts TLS below 1.2 or weak cipher suites",
    severity="medium",
    framework="kubernetes",
    types=[*FLAG_SOURCES, "KubeletConfiguration"],
    cwe="CWE-327",
    description="`--tls-min-version` (kubelet: `tlsMinVersion`) of VersionTLS10 or VersionTLS11, or cipher "
    "suites using RC4 or 3DES, let a network attacker downgrade and decrypt connections that carry tokens, "
    "Secrets and exec sessions.",
    remediation="Set the minimum to VersionTLS12 (or VersionTLS13) and keep the default cipher suites or "
    "list only ECDHE with AES-GCM or ChaCha20.",
    example="apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ntlsMinVersion: VersionTLS12",
    tags=("encryption",),
)
def weak_tls(resource: Resource) -> list[Fail] | None:
    verdict = Verdict()
    if resource.type == "KubeletConfiguration":
        values = {key: (resource.get(key), key) for key in ("tlsMinVersion", "tlsCipherSuites") if resource.get(key)}
        _weak_tls(verdict, values, "tlsMinVersion", "tlsCipherSuites", "kubelet")
        return verdict.result()
    for flags in component_flags(resource, APISERVER, CONTROLLER_MANAGER, SCHEDULER, ETCD, KUBELET):
        values = dict(flags.values)
        if flags.component == ETCD and "cipher-suites" in values:
            values["tls-cipher-suites"] = values["cipher-suites"]
        _weak_tls(verdict, values, "tls-min-version", "tls-cipher-suites", flags.component)
    return verdict.result()


def _weak_tls(verdict: Verdict, values: dict[str, tuple[Any, str]], minimum: str, suites: str, component: str) -> None:
    if minimum in values and str(values[minimum][0]).strip() in WEAK_TLS_VERSIONS:
        verdict.fails.append(Fail(values[minimum][1], f"{component} accepts {values[minimum][0]}"))
    if suites in values:
        listed = values[suites][0]
        names = listed if isinstance(listed, list) else str(listed).split(",")
        weak = [str(n).strip() for n in names if "RC4" in str(n) or "3DES" in str(n)]
        if weak:
            verdict.fails.append(Fail(values[suites][1], f"{component} allows weak cipher suites {', '.join(weak)}"))


# medium: without the kubelet CA the API server cannot tell a real kubelet from an impostor on exec/logs.
@check(
    id="IG-K8S-055",
    title="API server does not verify kubelet certificates",
    severity="medium",
    framework="kubernetes",
    types=FLAG_SOURCES,
    cwe="CWE-295",
    description="Without `--kubelet-certificate-authority` the API server connects to kubelets (exec, attach, "
    "logs, port-forward) without checking their serving certificate: anyone who can intercept node traffic "
    "can impersonate a kubelet and read what is sent.",
    remediation="Enable kubelet serving certificates signed by the cluster CA (`serverTLSBootstrap`) and set "
    "`--kubelet-certificate-authority` on the API server.",
    example="command:\n  - kube-apiserver\n  - --kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt",
    tags=("encryption",),
)
def apiserver_kubelet_ca(resource: Resource) -> list[Fail] | None:
    return _judge(
        resource, (APISERVER,), lambda f: None if f.get("kubelet-certificate-authority") else _missing(
            f, "no --kubelet-certificate-authority: kubelet certificates are not verified"
        ),
    )  # fmt: skip


# high: AlwaysAdmit turns admission off entirely: no Pod Security, no quotas, no policy webhooks.
@check(
    id="IG-K8S-056",
    title="API server enables the AlwaysAdmit admission plugin",
    severity="high",
    framework="kubernetes",
    types=FLAG_SOURCES,
    cwe="CWE-284",
    description="The deprecated AlwaysAdmit plugin admits every request whatever the other plugins decide: "
    "Pod Security, resource quotas and NodeRestriction are bypassed.",
    remediation="Remove AlwaysAdmit from `--enable-admission-plugins`.",
    example="command:\n  - kube-apiserver\n  - --enable-admission-plugins=NodeRestriction",
)
def apiserver_always_admit(resource: Resource) -> list[Fail] | None:
    def judge(flags: Flags) -> Fail | None:
        found = flags.get("enable-admission-plugins")
        if found is not None and "AlwaysAdmit" in flags.items("enable-admission-plugins"):
            return Fail(found[1], "AlwaysAdmit admits every request")
        return None

    return _judge(resource, (APISERVER,), judge)


# medium: without NodeRestriction a compromised kubelet can modify any node and pod, not just its own.
@check(
    id="IG-K8S-057",
    title="API server does not enable the NodeRestriction admission plugin",
    severity="medium",
    framework="kubernetes",
    types=FLAG_SOURCES,
    cwe="CWE-284",
    description="NodeRestriction limits each kubelet to its own Node object and the pods bound to it. Without it "
    "the credentials of one compromised node can relabel other nodes (attracting sensitive pods) and edit "
    "their pods.",
    remediation="Add NodeRestriction to `--enable-admission-plugins` (and use the Node authorizer).",
    example="command:\n  - kube-apiserver\n  - --enable-admission-plugins=NodeRestriction",
)
def apiserver_node_restriction(resource: Resource) -> list[Fail] | None:
    def judge(flags: Flags) -> Fail | None:
        disabled = flags.get("disable-admission-plugins")
        if disabled is not None and "NodeRestriction" in flags.items("disable-admission-plugins"):
            return Fail(disabled[1], "NodeRestriction is disabled")
        if "NodeRestriction" in flags.items("enable-admission-plugins"):
            return None
        enabled = flags.get("enable-admission-plugins")
        if enabled is not None:
            return Fail(enabled[1], "NodeRestriction is not among the enabled admission plugins")
        return _missing(flags, "no --enable-admission-plugins: NodeRestriction is not enabled")

    return _judge(resource, (APISERVER,), judge)


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def _plain_http(urls: str) -> list[str]:
    """URLs of a comma-separated list that use http:// to a non-loopback host."""
    out = []
    for url in urls.split(","):
        url = url.strip()
        if url.startswith("http://") and not url[len("http://") :].startswith(LOOPBACK_HOSTS):
            out.append(url)
    return out


# high: etcd holds every Secret in the cluster; without client certificates anyone reaching it reads them.
@check(
    id="IG-K8S-058",
    title="etcd serves clients without TLS client authentication",
    severity="high",
    framework="kubernetes",
    types=FLAG_SOURCES,
    cwe="CWE-306",
    description="etcd stores every object of the cluster, Secrets included, unencrypted unless encryption at "
    "rest is configured. Without `--client-cert-auth=true` (default false) or with plain-HTTP client URLs, any "
    "process that reaches its port can read and rewrite all of it.",
    remediation="Serve clients over HTTPS (`--cert-file`, `--key-file`) with `--client-cert-auth=true` and "
    "`--trusted-ca-file`.",
    example="command:\n  - etcd\n  - --client-cert-auth=true\n  - --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt\n"
    "  - --listen-client-urls=https://10.0.0.10:2379",
    tags=("iam",),
)
def etcd_client_auth(resource: Resource) -> list[Fail] | None:
    verdict = Verdict()
    for flags in component_flags(resource, ETCD):
        listen = flags.get("listen-client-urls")
        if listen is not None and _plain_http(listen[0]):
            verdict.fails.append(
                Fail(listen[1], f"etcd serves clients over plain HTTP: {', '.join(_plain_http(listen[0]))}")
            )
        fail = _flag_is(flags, "client-cert-auth", "false", "false", "etcd does not require client certificates")
        if fail is not None:
            verdict.fails.append(fail)
    return verdict.result()


# medium: self-signed auto TLS encrypts but authenticates nobody; peers and clients cannot be verified.
@check(
    id="IG-K8S-059",
    title="etcd uses self-signed automatic TLS certificates",
    severity="medium",
    framework="kubernetes",
    types=FLAG_SOURCES,
    cwe="CWE-295",
    description="`--auto-tls` and `--peer-auto-tls` make etcd generate self-signed certificates that nobody "
    "verifies: a machine on the network can pose as a member or a client endpoint.",
    remediation="Issue etcd certificates from a CA and set `--cert-file`, `--peer-cert-file` and the "
    "trusted CA files instead of the auto-TLS flags.",
    example="command:\n  - etcd\n  - --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt\n"
    "  - --peer-client-cert-auth=true",
    tags=("encryption",),
)
def etcd_auto_tls(resource: Resource) -> list[Fail] | None:
    verdict = Verdict()
    for flags in component_flags(resource, ETCD):
        for flag in ("auto-tls", "peer-auto-tls"):
            found = flags.get(flag)
            if found is not None and found[0].strip().lower() == "true":
                verdict.fails.append(Fail(found[1], f"etcd uses --{flag}: certificates nobody verifies"))
    return verdict.result()


# high: the API server's connection to etcd carries every Secret; plain HTTP exposes it on the wire.
@check(
    id="IG-K8S-060",
    title="API server connects to etcd over plain HTTP",
    severity="high",
    framework="kubernetes",
    types=FLAG_SOURCES,
    cwe="CWE-319",
    description="`--etcd-servers` with http:// URLs to another host sends every object, Secrets included, "
    "unencrypted and without authenticating either side.",
    remediation="Use https:// etcd URLs with `--etcd-cafile`, `--etcd-certfile` and `--etcd-keyfile`.",
    example="command:\n  - kube-apiserver\n  - --etcd-servers=https://10.0.0.10:2379\n"
    "  - --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
    tags=("encryption",),
)
def apiserver_etcd_http(resource: Resource) -> list[Fail] | None:
    def judge(flags: Flags) -> Fail | None:
        servers = flags.get("etcd-servers")
        if servers is not None and _plain_http(servers[0]):
            return Fail(servers[1], f"etcd is reached over plain HTTP: {', '.join(_plain_http(servers[0]))}")
        return None

    return _judge(resource, (APISERVER,), judge)


def _kubelet_setting(
    resource: Resource, config_path: str, flag: str, config_default: object, flag_default: str
) -> list[tuple[str, str | None, bool]]:
    """(value, path, written) of one kubelet setting, from a KubeletConfiguration or kubelet flags. Flags
    of a kubelet started with `--config` take the config file's defaults, which the scanner cannot see."""
    if resource.type == "KubeletConfiguration":
        value = resource.get(config_path)
        written = value is not None
        return [(str(value if written else config_default).lower(), config_path if written else None, written)]
    out: list[tuple[str, str | None, bool]] = []
    for flags in component_flags(resource, KUBELET):
        found = flags.get(flag)
        if found is not None:
            out.append((found[0].strip().lower(), found[1], True))
        elif flags.get("config") is None:
            out.append((flag_default, flags.where, False))
    return out


KUBELET_SOURCES = [*WORKLOAD_KINDS, "KubeletConfiguration"]


# critical: the kubelet API runs commands in every pod of the node; anonymous access hands that to anyone.
@check(
    id="IG-K8S-061",
    title="Kubelet accepts anonymous requests",
    severity="critical",
    framework="kubernetes",
    types=KUBELET_SOURCES,
    cwe="CWE-306",
    description="The kubelet's API (port 10250) lists pods and runs commands in their containers. With "
    "anonymous authentication (`authentication.anonymous.enabled: true`, or the `--anonymous-auth` flag's "
    "default of true when no config file is used) any request without credentials is served as "
    "system:anonymous, and with AlwaysAllow authorization it can exec into every pod of the node.",
    remediation="Set `authentication.anonymous.enabled: false` and `authorization.mode: Webhook`.",
    example="apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n"
    "  anonymous:\n    enabled: false\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\n"
    "authorization:\n  mode: Webhook",
    tags=("public", "iam"),
)
def kubelet_anonymous(resource: Resource) -> list[Fail]:
    return [
        Fail(path, "the kubelet serves anonymous requests" + ("" if written else " (the default)"))
        for value, path, written in _kubelet_setting(
            resource, "authentication.anonymous.enabled", "anonymous-auth", False, "true"
        )
        if value == "true"
    ]


# critical: AlwaysAllow lets any authenticated (or anonymous) caller exec into every pod of the node.
@check(
    id="IG-K8S-062",
    title="Kubelet authorizes every request (AlwaysAllow)",
    severity="critical",
    framework="kubernetes",
    types=KUBELET_SOURCES,
    cwe="CWE-862",
    description="With authorization mode AlwaysAllow (the `--authorization-mode` flag's default when no config "
    "file is used) the kubelet lets every authenticated caller, any pod's ServiceAccount included, run "
    "commands in every container of the node.",
    remediation="Set `authorization.mode: Webhook` so the kubelet asks the API server (RBAC on nodes/proxy...).",
    example="apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthorization:\n  mode: Webhook",
    tags=("iam",),
)
def kubelet_always_allow(resource: Resource) -> list[Fail]:
    return [
        Fail(path, "the kubelet authorizes every request" + ("" if written else " (the default)"))
        for value, path, written in _kubelet_setting(
            resource, "authorization.mode", "authorization-mode", "Webhook", "alwaysallow"
        )
        if value == "alwaysallow"
    ]


# medium: the read-only port serves pod specs (environment, images, mounts) without any authentication.
@check(
    id="IG-K8S-063",
    title="Kubelet serves its unauthenticated read-only port",
    severity="medium",
    framework="kubernetes",
    types=KUBELET_SOURCES,
    cwe="CWE-306",
    description="`readOnlyPort` (default 10255 for the `--read-only-port` flag) serves pods, their specs "
    "(environment values included) and metrics over HTTP with no authentication at all.",
    remediation="Set `readOnlyPort: 0` and collect metrics through the authenticated port.",
    example="apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 0",
    tags=("public",),
)
def kubelet_read_only_port(resource: Resource) -> list[Fail]:
    return [
        Fail(path, f"the kubelet serves unauthenticated HTTP on port {value}" + ("" if written else " (default)"))
        for value, path, written in _kubelet_setting(resource, "readOnlyPort", "read-only-port", 0, "10255")
        if value not in ("0", "")
    ]


# medium: without a client CA the kubelet cannot authenticate the API server's (or anyone's) certificates.
@check(
    id="IG-K8S-064",
    title="Kubelet has no client CA for certificate authentication",
    severity="medium",
    framework="kubernetes",
    types=KUBELET_SOURCES,
    cwe="CWE-295",
    description="Without `authentication.x509.clientCAFile` (`--client-ca-file`) the kubelet cannot "
    "authenticate client certificates, including the API server's: callers fall back to tokens or anonymous "
    "access.",
    remediation="Set `authentication.x509.clientCAFile` to the cluster CA.",
    example="apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n"
    "  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt",
    tags=("iam",),
)
def kubelet_client_ca(resource: Resource) -> list[Fail]:
    return [
        Fail(path, "the kubelet has no client CA file")
        for value, path, _ in _kubelet_setting(resource, "authentication.x509.clientCAFile", "client-ca-file", "", "")
        if value in ("", "none")
    ]


# low: one shared controller identity hides which controller did what and widens what one bug can reach.
@check(
    id="IG-K8S-065",
    title="Controller manager runs every controller with one identity",
    severity="low",
    framework="kubernetes",
    types=FLAG_SOURCES,
    cwe="CWE-250",
    description="Without `--use-service-account-credentials=true` every controller acts with the controller "
    "manager's own, very broad credentials instead of a ServiceAccount with only its controller's role.",
    remediation="Start kube-controller-manager with `--use-service-account-credentials=true`.",
    example="command:\n  - kube-controller-manager\n  - --use-service-account-credentials=true",
    tags=("iam",),
)
def controller_manager_credentials(resource: Resource) -> list[Fail] | None:
    return _judge(
        resource, (CONTROLLER_MANAGER,), lambda f: _flag_is(
            f, "use-service-account-credentials", "false", "false", "controllers share the controller manager's "
            "credentials"
        ),
    )  # fmt: skip
