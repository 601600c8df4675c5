"""Pod Security Standards controls that checks/kubernetes.py does not already judge.

Baseline: hostPort, AppArmor, SELinux, /proc mount type, seccomp Unconfined, unsafe sysctls, capabilities
beyond the baseline set, Windows HostProcess. Restricted: seccomp profile required, volume types. The
controls IG-K8S-001..009 judge (privileged, host namespaces, hostPath, dangerous capabilities, drop ALL,
privilege escalation, running as root, read-only root) are not repeated here.

Values are read through `Resource.get` at the container's path, so a Terraform value that is not known
(a `kubernetes_*` resource fed by a variable) answers unknown rather than pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks._helpers import Verdict
from checks.kubernetes import DANGEROUS_CAPABILITIES
from scanner.fix.spec import SetValue
from scanner.kube import WORKLOAD_KINDS, containers, is_patch_fragment, items, pod_spec
from scanner.records import Resource, Unknown, UnknownValue
from scanner.registry import Fail, check

WORKLOADS = list(WORKLOAD_KINDS)
# Capabilities the Baseline profile lets a container add (the container runtimes' historical default set).
BASELINE_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)
# Namespaced sysctls the Baseline profile allows (Kubernetes' "safe" set, as of 1.32).
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
        "net.ipv4.tcp_rmem",
        "net.ipv4.tcp_wmem",
    }
)
# SELinux types the Baseline profile allows a pod or container to ask for.
SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"})
# Volume sources the Restricted profile allows; hostPath is judged by IG-K8S-005/006.
RESTRICTED_VOLUMES = frozenset(
    {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}
)
VOLUME_KEYS_NOT_SOURCES = frozenset({"name", "hostPath"})
NODE_EXECUTING_VOLUMES = frozenset({"gitRepo", "flexVolume"})
SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/"
APPARMOR_CONTAINER_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


def is_windows(resource: Resource) -> bool:
    """Windows pods have no Linux capabilities, seccomp, AppArmor or SELinux to judge."""
    found = pod_spec(resource)
    if found is None:
        return False
    selector = resource.get(f"{found[0]}.nodeSelector")
    if isinstance(selector, dict) and selector.get("kubernetes.io/os") == "windows":
        return True
    return resource.get(f"{found[0]}.securityContext.windowsOptions") is not None


def pod_template_annotations(resource: Resource) -> tuple[str, dict[str, Any]]:
    """(path, annotations) of the pods a workload creates."""
    found = pod_spec(resource)
    if found is None:
        return "", {}
    path = found[0][: -len("spec")] + "metadata.annotations" if found[0] != "spec" else "metadata.annotations"
    value = resource.get(path)
    return path, value if isinstance(value, dict) else {}


def _pod_context(resource: Resource) -> str | None:
    found = pod_spec(resource)
    return f"{found[0]}.securityContext" if found else None


def _contexts(resource: Resource) -> Iterator[tuple[str, str]]:
    """(securityContext path, what it belongs to): the pod's, then each container's."""
    pod = _pod_context(resource)
    if pod is None:
        return
    yield pod, "pod"
    for c in containers(resource):
        yield f"{c.path}.securityContext", c.label


# medium: a port on the node's address bypasses Services and NetworkPolicies and pins the pod to ports.
@check(
    id="IG-K8S-024",
    title="Container binds a port on the node (hostPort)",
    severity="medium",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-668",
    description="A hostPort opens the container's port on the node's own address: it is reachable by anything "
    "that reaches the node, outside Services and NetworkPolicies, and lets a pod listen on ports other pods "
    "and node services expect. Pods with hostNetwork are left to IG-K8S-004.",
    remediation="Remove `hostPort` and expose the port through a Service (or an Ingress).",
    example="containers:\n  - name: web\n    image: nginx:1.27.2\n    ports:\n      - containerPort: 8080",
    tags=("network",),
)
def host_port(resource: Resource) -> list[Fail] | None:
    found = pod_spec(resource)
    if found is None or resource.get(f"{found[0]}.hostNetwork") is True:
        return []
    verdict = Verdict()
    for c in containers(resource):
        for index, _ in enumerate(items(c.spec.get("ports"))):
            path = f"{c.path}.ports.{index}.hostPort"
            with verdict.item():
                port = resource.get(path)
                if port not in (None, 0, "0"):
                    verdict.fails.append(Fail(path, f"{c.label} binds node port {port}"))
    return verdict.result()


# medium: AppArmor is one of the layers that contains a compromised container; Baseline forbids disabling it.
@check(
    id="IG-K8S-025",
    title="AppArmor is disabled for a container",
    severity="medium",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-693",
    description="An `Unconfined` AppArmor profile (field `appArmorProfile.type` or the older "
    "`container.apparmor.security.beta.kubernetes.io/<container>: unconfined` annotation) removes the runtime's "
    "default profile, which blocks mounts, writes to /proc and /sys and other escape steps.",
    remediation="Remove the override (the runtime default applies) or use `RuntimeDefault` / a `Localhost` profile.",
    example="securityContext:\n  appArmorProfile:\n    type: RuntimeDefault",
    fix=SetValue(
        "securityContext.appArmorProfile.type",
        "RuntimeDefault",
        unsafe="Unconfined was asked for explicitly: the runtime's default profile denies mounts and writes to parts "
        "of /proc and /sys the workload may need",
    ),
)
def apparmor_unconfined(resource: Resource) -> list[Fail] | None:
    verdict = Verdict()
    for path, owner in _contexts(resource):
        with verdict.item():
            if resource.get(f"{path}.appArmorProfile.type") == "Unconfined":
                verdict.fails.append(Fail(f"{path}.appArmorProfile.type", f"{owner} runs without AppArmor"))
    annotations_path, annotations = pod_template_annotations(resource)
    for key, value in annotations.items():
        if str(key).startswith(APPARMOR_CONTAINER_ANNOTATION) and str(value).strip().lower() == "unconfined":
            name = str(key)[len(APPARMOR_CONTAINER_ANNOTATION) :]
            verdict.fails.append(Fail(f"{annotations_path}.{key}", f"container {name!r} runs without AppArmor"))
    return verdict.result()


# medium: a custom SELinux type or user/role can lift the label that separates containers from the host.
@check(
    id="IG-K8S-026",
    title="SELinux options set a custom type, user or role",
    severity="medium",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-693",
    description="The runtime labels containers `container_t`, which SELinux keeps away from host files. "
    "Setting another type (`spc_t` is unconfined) or an SELinux user or role can lift that separation; "
    "the Baseline profile allows only the container types and a level.",
    remediation="Remove `seLinuxOptions.type`, `user` and `role`; set only `level` if the volume sharing needs it.",
    example='securityContext:\n  seLinuxOptions:\n    level: "s0:c123,c456"',
)
def selinux_options(resource: Resource) -> list[Fail] | None:
    verdict = Verdict()
    for path, owner in _contexts(resource):
        options_path = f"{path}.seLinuxOptions"
        with verdict.item():
            selinux_type = resource.get(f"{options_path}.type")
            if selinux_type is not None and str(selinux_type) not in SELINUX_TYPES:
                verdict.fails.append(Fail(f"{options_path}.type", f"{owner} asks for SELinux type {selinux_type!r}"))
        for field in ("user", "role"):
            with verdict.item():
                value = resource.get(f"{options_path}.{field}")
                if value:
                    verdict.fails.append(Fail(f"{options_path}.{field}", f"{owner} sets SELinux {field} {value!r}"))
    return verdict.result()


# medium: an unmasked /proc exposes kernel interfaces the runtime normally hides (Baseline control).
@check(
    id="IG-K8S-027",
    title="Container mounts /proc unmasked",
    severity="medium",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-668",
    description="`procMount: Unmasked` turns off the masking and read-only paths the runtime applies to /proc "
    "(/proc/kcore, /proc/sys, /proc/sysrq-trigger...), exposing kernel information and controls to the container.",
    remediation="Remove `procMount` (the default is `Default`).",
    example="securityContext:\n  procMount: Default",
    fix=SetValue(
        "securityContext.procMount",
        "Default",
        unsafe="nested container runtimes (rootless BuildKit, Sysbox) ask for an unmasked /proc and stop working "
        "with the masked default",
    ),
)
def proc_mount_unmasked(resource: Resource) -> list[Fail] | None:
    verdict = Verdict()
    for c in containers(resource):
        path = f"{c.path}.securityContext.procMount"
        with verdict.item():
            if resource.get(path) == "Unmasked":
                verdict.fails.append(Fail(path, f"{c.label} mounts /proc unmasked"))
    return verdict.result()


def _seccomp_annotations(resource: Resource) -> Iterator[tuple[str, str, str]]:
    """(path, owner, profile) of the pre-1.19 seccomp annotations on the pod template."""
    path, annotations = pod_template_annotations(resource)
    for key, value in annotations.items():
        key = str(key)
        if key == SECCOMP_POD_ANNOTATION:
            yield f"{path}.{key}", "pod", str(value)
        elif key.startswith(SECCOMP_CONTAINER_ANNOTATION):
            yield f"{path}.{key}", f"container {key[len(SECCOMP_CONTAINER_ANNOTATION) :]!r}", str(value)


# medium: seccomp Unconfined re-opens every syscall (the kernel's attack surface); Baseline forbids it.
@check(
    id="IG-K8S-028",
    title="Seccomp is explicitly disabled (Unconfined)",
    severity="medium",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-693",
    description="A seccomp profile of `Unconfined` (pod or container `seccompProfile.type`, or the deprecated "
    "`seccomp.security.alpha.kubernetes.io` annotations) lets the container make every system call, "
    "including those behind most kernel privilege escalations.",
    remediation="Use `seccompProfile.type: RuntimeDefault`, or a `Localhost` profile that allows what the "
    "process needs.",
    example="securityContext:\n  seccompProfile:\n    type: RuntimeDefault",
    fix=SetValue(
        "securityContext.seccompProfile.type",
        "RuntimeDefault",
        unsafe="Unconfined was asked for explicitly: the runtime's default profile blocks system calls the workload "
        "may use (ptrace, perf_event_open, unshare)",
    ),
)
def seccomp_unconfined(resource: Resource) -> list[Fail] | None:
    verdict = Verdict()
    for path, owner in _contexts(resource):
        with verdict.item():
            if resource.get(f"{path}.seccompProfile.type") == "Unconfined":
                verdict.fails.append(Fail(f"{path}.seccompProfile.type", f"{owner} runs with seccomp Unconfined"))
    for path, owner, profile in _seccomp_annotations(resource):
        if profile.strip().lower() == "unconfined":
            verdict.fails.append(Fail(path, f"{owner} runs with seccomp unconfined (annotation)"))
    return verdict.result()


def _seccomp_set(resource: Resource, context_path: str) -> bool:
    value = resource.get(f"{context_path}.seccompProfile.type")
    return value is not None


# low: Restricted hygiene; most runtimes still default to Unconfined unless kubelet --seccomp-default is on.
@check(
    id="IG-K8S-029",
    title="No seccomp profile is set for a container",
    severity="low",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-693",
    description="Unless the kubelet runs with `--seccomp-default`, a pod without a seccomp profile runs "
    "Unconfined: every system call is open. The Restricted profile requires `RuntimeDefault` or a "
    "`Localhost` profile on the pod or every container. Profiles set to Unconfined are IG-K8S-028's; "
    "privileged containers (which run unconfined anyway) are IG-K8S-001's.",
    remediation="Set `securityContext.seccompProfile.type: RuntimeDefault` on the pod spec.",
    example="spec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault",
    # Safe: RuntimeDefault is the profile Docker and Podman apply to every container unless told otherwise, and
    # the one the kubelet applies itself with --seccomp-default; it blocks only calls applications rarely make.
    fix=SetValue("securityContext.seccompProfile.type", "RuntimeDefault"),
)
def seccomp_unset(resource: Resource) -> list[Fail] | None:
    pod = _pod_context(resource)
    if pod is None or is_windows(resource) or is_patch_fragment(resource):
        return []
    annotated = {owner for _, owner, _ in _seccomp_annotations(resource)}
    if _seccomp_set(resource, pod) or "pod" in annotated:
        return []
    verdict = Verdict()
    for c in containers(resource):
        with verdict.item():
            if c.security_context.get("privileged") is True or f"container {c.name!r}" in annotated:
                continue
            if not _seccomp_set(resource, f"{c.path}.securityContext"):
                verdict.fails.append(Fail(c.path, f"{c.label} has no seccomp profile (pod sets none)"))
    return verdict.result()


# medium: unsafe sysctls change kernel settings shared with other pods on the node (Baseline control).
@check(
    id="IG-K8S-030",
    title="Pod sets a sysctl outside the safe set",
    severity="medium",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-668",
    description="Only a few namespaced sysctls are isolated per pod (net.ipv4.ip_local_port_range, "
    "net.ipv4.tcp_syncookies, kernel.shm_rmid_forced...). Others can affect every pod on the node or the node "
    "itself, and the kubelet rejects them unless an administrator allowed unsafe sysctls.",
    remediation="Remove the sysctl, or run the workload on dedicated nodes whose kubelet allows it.",
    example='securityContext:\n  sysctls:\n    - name: net.ipv4.ip_local_port_range\n      value: "1024 65535"',
)
def unsafe_sysctl(resource: Resource) -> list[Fail] | None:
    pod = _pod_context(resource)
    if pod is None:
        return []
    verdict = Verdict()
    for index, _ in enumerate(items(resource.get(f"{pod}.sysctls"))):
        path = f"{pod}.sysctls.{index}.name"
        with verdict.item():
            name = resource.get(path)
            if isinstance(name, str) and name.replace("/", ".") not in SAFE_SYSCTLS:
                verdict.fails.append(Fail(path, f"pod sets unsafe sysctl {name!r}"))
    return verdict.result()


# low: inline disk and network-filesystem volumes bypass the PersistentVolume layer an administrator controls
# (Restricted control); medium for gitRepo (git runs on the node: CVE-2024-10220) and flexVolume (a driver run
# as root on the node with options the pod chooses).
@check(
    id="IG-K8S-031",
    title="Pod uses a volume type outside the Restricted set",
    severity="low",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-668",
    description="Volume types other than configMap, secret, downwardAPI, emptyDir, projected, "
    "persistentVolumeClaim, ephemeral and csi attach storage the pod names itself (an NFS export, an iSCSI "
    "target, a cloud disk) on the node, outside the StorageClasses and PersistentVolumes an administrator "
    "controls. `gitRepo` runs git on the node (CVE-2024-10220) and `flexVolume` runs a node driver with the "
    "pod's options; both are reported at medium. hostPath is IG-K8S-005/006's.",
    remediation="Use a PersistentVolumeClaim (backed by a StorageClass or a PersistentVolume the administrator "
    "declares), or an init container that clones into an emptyDir instead of gitRepo.",
    example="volumes:\n  - name: data\n    persistentVolumeClaim:\n      claimName: data",
)
def restricted_volume_types(resource: Resource) -> list[Fail] | None:
    found = pod_spec(resource)
    if found is None:
        return []
    verdict = Verdict()
    for index, volume in enumerate(items(resource.get(f"{found[0]}.volumes"))):
        if not isinstance(volume, dict):
            continue
        for key in sorted(set(volume) - RESTRICTED_VOLUMES - VOLUME_KEYS_NOT_SOURCES):
            severity = "medium" if key in NODE_EXECUTING_VOLUMES else None
            message = f"volume {volume.get('name')!r} is of type {key}"
            verdict.fails.append(Fail(f"{found[0]}.volumes.{index}.{key}", message, (), severity))
    return verdict.result()


# medium: capabilities beyond the runtime default set widen the kernel surface (Baseline control);
# the escape-grade ones are IG-K8S-007's (high).
@check(
    id="IG-K8S-032",
    title="Container adds a capability outside the Baseline set",
    severity="medium",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-250",
    description="The Baseline profile allows adding only the runtime's default capabilities (CHOWN, SETUID, "
    "NET_BIND_SERVICE...). Others, such as NET_RAW (packet spoofing), SYS_TIME (the node's clock), SYS_NICE, "
    "IPC_LOCK, SYS_RESOURCE or LINUX_IMMUTABLE, act on resources shared with the node. Escape-grade "
    "capabilities (SYS_ADMIN, NET_ADMIN, SYS_PTRACE...) are reported by IG-K8S-007.",
    remediation="Remove the capability, or run the workload on dedicated nodes and document why it needs it.",
    example="securityContext:\n  capabilities:\n    drop: [ALL]\n    add: [NET_BIND_SERVICE]",
)
def capability_outside_baseline(resource: Resource) -> list[Fail] | None:
    if is_windows(resource):
        return []
    verdict = Verdict()
    for c in containers(resource):
        path = f"{c.path}.securityContext.capabilities.add"
        added = resource.get(path) if isinstance(c.security_context.get("capabilities"), dict) else None
        for index, _ in enumerate(added if isinstance(added, list) else []):
            with verdict.item():
                name = str(resource.get(f"{path}.{index}")).upper().removeprefix("CAP_")
                if name not in BASELINE_CAPABILITIES and name not in DANGEROUS_CAPABILITIES:
                    verdict.fails.append(Fail(f"{path}.{index}", f"{c.label} adds capability {name}"))
    return verdict.result()


# high: a HostProcess container runs as a process on the Windows node, with its privileges (Baseline control).
@check(
    id="IG-K8S-033",
    title="Windows HostProcess container",
    severity="high",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-250",
    description="`windowsOptions.hostProcess: true` runs the container as a process on the Windows node, "
    "with access to its network, files and (as SYSTEM or an administrator) everything else: the Windows "
    "equivalent of a privileged container.",
    remediation="Remove `hostProcess`; keep HostProcess containers for node agents deployed by administrators.",
    example="securityContext:\n  windowsOptions:\n    runAsUserName: ContainerUser",
    fix=SetValue(
        "securityContext.windowsOptions.hostProcess",
        False,
        unsafe="a HostProcess container is a node agent that needs the node's network, files and privileges: as an "
        "ordinary container it stops working",
    ),
)
def windows_host_process(resource: Resource) -> list[Fail] | None:
    verdict = Verdict()
    for path, owner in _contexts(resource):
        with verdict.item():
            if resource.get(f"{path}.windowsOptions.hostProcess") is True:
                verdict.fails.append(Fail(f"{path}.windowsOptions.hostProcess", f"{owner} runs as a HostProcess"))
    return verdict.result()


PSA_ENFORCE = "pod-security.kubernetes.io/enforce"
SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})


# low: an explicit "privileged" level is an opt-out a reviewer should see; info for a namespace without the
# label (labels are often added by an overlay or a policy engine). Defence in depth, not an exposure by itself.
@check(
    id="IG-K8S-034",
    title="Namespace does not enforce a Pod Security Standard",
    severity="low",
    framework="kubernetes",
    types=["Namespace"],
    cwe="CWE-693",
    description="Pod Security Admission enforces the Baseline or Restricted profile on a namespace labelled "
    "`pod-security.kubernetes.io/enforce`. Without the label (or with `privileged`), any pod, privileged or "
    "mounting the node's disk, is admitted unless another admission controller refuses it. kube-system and "
    "the other system namespaces are not reported.",
    remediation="Label the namespace `pod-security.kubernetes.io/enforce: restricted` (or `baseline` where "
    "workloads need it).",
    example="apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n"
    "    pod-security.kubernetes.io/enforce: restricted",
)
def namespace_without_pod_security(resource: Resource) -> Fail | None:
    name = resource.get("metadata.name")
    if name in SYSTEM_NAMESPACES or resource.get("$patch") == "delete":
        return None
    labels = resource.get("metadata.labels")
    level = labels.get(PSA_ENFORCE) if isinstance(labels, dict) else None
    if isinstance(level, Unknown):
        raise UnknownValue(f"metadata.labels.{PSA_ENFORCE}", level.reason)
    if level == "privileged":
        return Fail(f"metadata.labels.{PSA_ENFORCE}", f"namespace {name!r} enforces the privileged level (none)")
    if level in ("baseline", "restricted"):
        return None
    return Fail("metadata", f"namespace {name!r} has no {PSA_ENFORCE} label", (), "info")
