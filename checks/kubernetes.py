"""Kubernetes manifest checks: pod security, images, secrets, exposure and RBAC.

Every container check covers init, regular and ephemeral containers of every workload kind
(`scanner.kube`), and points at the offending attribute, or at the container when the safe
setting is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from scanner.fix.spec import SetValue
from scanner.graph import ResourceGraph
from scanner.graph.images import built_by_skaffold, pinned_by_kustomize
from scanner.kube import WORKLOAD_KINDS, Container, containers, is_patch_fragment, items, pod_spec, security_value
from scanner.records import Resource, UnknownValue
from scanner.registry import Fail, check
from scanner.secrets import secret_kind

WORKLOADS = list(WORKLOAD_KINDS)
DANGEROUS_CAPABILITIES = frozenset(
    {
        "ALL",
        "SYS_ADMIN",
        "NET_ADMIN",
        "SYS_PTRACE",
        "SYS_MODULE",
        "SYS_RAWIO",
        "SYS_BOOT",
        "DAC_READ_SEARCH",
        "BPF",
        "PERFMON",
        "MAC_ADMIN",
        "MAC_OVERRIDE",
    }
)
# Host paths that give a container the node: its root, configuration, kernel interfaces,
# kubelet/runtime state and credentials, or a container runtime socket.
SENSITIVE_HOST_PATHS = (
    "/",
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/root",
    "/home",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/etcd",
    "/var/run",
    "/run",
)
SENSITIVE_HOST_TREES = (
    "/etc",
    "/proc",
    "/sys",
    "/boot",
    "/root",
    "/var/lib/kubelet",
    "/var/lib/etcd",
    "/var/lib/docker",
    "/var/lib/containerd",
)
READ_VERBS = {"get", "list", "watch", "*"}
# Service annotations that give a LoadBalancer a private (VPC-internal) address, with the values that
# mean so; None: any value but "false" (the legacy AWS annotation took "0.0.0.0/0" as well as "true").
INTERNAL_LB_ANNOTATIONS: dict[str, frozenset[str] | None] = {
    "networking.gke.io/load-balancer-type": frozenset({"internal"}),
    "cloud.google.com/load-balancer-type": frozenset({"internal"}),
    "service.beta.kubernetes.io/aws-load-balancer-internal": None,
    "service.beta.kubernetes.io/aws-load-balancer-scheme": frozenset({"internal"}),
    "service.beta.kubernetes.io/azure-load-balancer-internal": frozenset({"true"}),
    "service.beta.kubernetes.io/oci-load-balancer-internal": frozenset({"true"}),
    "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type": frozenset({"private"}),
}


def internal_load_balancer(service: Resource) -> bool:
    """Whether a cloud annotation on the Service asks for an internal load balancer."""
    annotations = service.get("metadata.annotations")
    if not isinstance(annotations, dict):
        return False
    for key, value in annotations.items():
        if str(key) not in INTERNAL_LB_ANNOTATIONS:
            continue
        wanted, text = INTERNAL_LB_ANNOTATIONS[str(key)], str(value).strip().lower()
        if (text not in ("", "false")) if wanted is None else (text in wanted):
            return True
    return False


# API groups served by Kubernetes itself; wildcards inside an operator's own (CRD or aggregated
# API) group stay inside what that operator manages and are not reported.
BUILTIN_API_GROUPS = frozenset(
    {
        "",
        "*",
        "apps",
        "batch",
        "extensions",
        "policy",
        "autoscaling",
        "networking.k8s.io",
        "rbac.authorization.k8s.io",
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
        "apiregistration.k8s.io",
        "certificates.k8s.io",
        "coordination.k8s.io",
        "discovery.k8s.io",
        "storage.k8s.io",
        "scheduling.k8s.io",
        "node.k8s.io",
        "authentication.k8s.io",
        "authorization.k8s.io",
    }
)


def _is_windows(resource: Resource) -> bool:
    """Windows pods have no UID 0, read-only root or Linux capabilities to judge."""
    found = pod_spec(resource)
    if found is None:
        return False
    spec = found[1]
    selector, context = spec.get("nodeSelector"), spec.get("securityContext")
    selector = selector if isinstance(selector, dict) else {}
    context = context if isinstance(context, dict) else {}
    return selector.get("kubernetes.io/os") == "windows" or "windowsOptions" in context


def _linux_containers(resource: Resource) -> Iterator[Container]:
    if not _is_windows(resource):
        yield from containers(resource)


@check(
    id="IG-K8S-002",
    title="Container allows privilege escalation",
    severity="medium",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-269",
    compliance={"cis-kubernetes-1.9": ["5.2.6"], "nsa-cisa-kubernetes-1.2": ["pod-security"]},
    description="Unless `allowPrivilegeEscalation` is false, a process can gain more privileges than its "
    "parent (setuid binaries, file capabilities), which turns many container bugs into root. Privileged "
    "containers and containers adding CAP_SYS_ADMIN always allow escalation, whatever the flag says (the API "
    "server even rejects `allowPrivilegeEscalation: false` with `privileged: true`); IG-K8S-001 and IG-K8S-007 "
    "report those instead.",
    remediation="Set `securityContext.allowPrivilegeEscalation: false` on every container.",
    example="securityContext:\n  allowPrivilegeEscalation: false",
    # Safe: no_new_privs only keeps a process from gaining privileges its parent does not hold (setuid binaries,
    # file capabilities); the Pod Security Standards' Restricted profile requires it of every container.
    fix=SetValue("securityContext.allowPrivilegeEscalation", False),
)
def privilege_escalation(resource: Resource) -> list[Fail]:
    return _require_security_flag(
        resource, "allowPrivilegeEscalation", False, "does not set allowPrivilegeEscalation: false",
        "allows privilege escalation", skip=_escalation_inherent,
    )  # fmt: skip


def _escalation_inherent(container: Container) -> bool:
    """Privileged or CAP_SYS_ADMIN: escalation is always possible (no_new_privs is no boundary for such a
    process) and the API server rejects allowPrivilegeEscalation: false with privileged: true (and with
    the CAP_SYS_ADMIN spelling), so the only fix is removing the privilege, which IG-K8S-001 / -007 report."""
    if container.security_context.get("privileged") is True:
        return True
    return any(str(c).upper().removeprefix("CAP_") == "SYS_ADMIN" for c in items(_capabilities(container).get("add")))


@check(
    id="IG-K8S-003",
    title="Container may run as root",
    severity="medium",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-250",
    compliance={"cis-kubernetes-1.9": ["5.2.7"], "nsa-cisa-kubernetes-1.2": ["non-root-containers"]},
    description="Without `runAsNonRoot: true` or a non-zero `runAsUser` (on the container or inherited "
    "from the pod), the image decides the user, and most images run as root. Root in a container is "
    "one kernel or runtime bug away from root on the node.",
    remediation="Set `runAsNonRoot: true` and a non-zero `runAsUser` in the pod's or the container's "
    "securityContext, and build the image with a non-root USER.",
    example="securityContext:\n  runAsNonRoot: true\n  runAsUser: 10001",
    fix=SetValue(
        "securityContext.runAsNonRoot",
        True,
        unsafe="the kubelet then refuses to start a container whose image runs as root, or names its user (USER "
        "app) instead of a numeric UID, until the image or the pod sets a non-zero runAsUser",
    ),
)
def runs_as_root(resource: Resource) -> list[Fail]:
    fails = []
    for c in _linux_containers(resource):
        user, user_path = security_value(resource, c, "runAsUser")
        non_root, non_root_path = security_value(resource, c, "runAsNonRoot")
        if user == 0:
            fails.append(Fail(user_path, f"{c.label} runs as UID 0 (root)"))
        elif non_root is True or (isinstance(user, int) and not isinstance(user, bool) and user > 0):
            continue
        elif non_root is False:
            fails.append(Fail(non_root_path, f"{c.label} sets runAsNonRoot: false and no non-zero runAsUser"))
        elif not is_patch_fragment(resource):
            fails.append(Fail(c.path, f"{c.label} sets neither runAsNonRoot: true nor a non-zero runAsUser"))
    return fails


def _host_paths(resource: Resource) -> Iterator[tuple[str, str]]:
    found = pod_spec(resource)
    if found is None:
        return
    path, spec = found
    for index, volume in enumerate(items(spec.get("volumes"))):
        host = volume.get("hostPath") if isinstance(volume, dict) else None
        if isinstance(host, dict) and isinstance(host.get("path"), str):
            yield f"{path}.volumes.{index}.hostPath.path", host["path"]


def is_sensitive_host_path(host_path: str) -> bool:
    normal = "/" + host_path.strip().strip("/")
    return (
        normal in SENSITIVE_HOST_PATHS
        or normal.endswith(".sock")
        or any(normal.startswith(tree + "/") for tree in SENSITIVE_HOST_TREES)
    )


@check(
    id="IG-K8S-005",
    title="Pod mounts a host directory",
    severity="medium",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-668",
    compliance={"cis-kubernetes-1.9": ["5.2.12"], "nsa-cisa-kubernetes-1.2": ["pod-security"]},
    description="A hostPath volume ties the pod to one node and lets it read (and unless mounted "
    "read-only, write) the node's files; other tenants' data and logs often live there.",
    remediation="Use a PersistentVolumeClaim, emptyDir, ConfigMap or Secret instead; if a node agent "
    "needs the host path, mount it readOnly and narrow it to the directory it needs.",
    example="volumes:\n  - name: cache\n    emptyDir: {}",
)
def host_path_volume(resource: Resource) -> list[Fail]:
    return [
        Fail(path, f"pod mounts host path {host!r}")
        for path, host in _host_paths(resource)
        if not is_sensitive_host_path(host)
    ]


@check(
    id="IG-K8S-006",
    title="Pod mounts a sensitive host path",
    severity="high",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-668",
    compliance={"cis-kubernetes-1.9": ["5.2.12"], "nsa-cisa-kubernetes-1.2": ["pod-security"]},
    description="Mounting the node's root, /etc, /proc, /sys, kubelet or runtime state, or a container "
    "runtime socket (docker.sock, containerd.sock) gives the pod the node: it can read credentials, "
    "start privileged containers or change the host's configuration.",
    remediation="Remove the hostPath volume. Talk to the Kubernetes API instead of the runtime socket; "
    "node agents that must read host metrics should mount narrow paths readOnly.",
    example="volumes:\n  - name: data\n    persistentVolumeClaim:\n      claimName: data",
)
def sensitive_host_path(resource: Resource) -> list[Fail]:
    return [
        Fail(path, f"pod mounts sensitive host path {host!r}: it can take over the node")
        for path, host in _host_paths(resource)
        if is_sensitive_host_path(host)
    ]


def _capabilities(container: Container) -> dict[str, Any]:
    value = container.security_context.get("capabilities")
    return value if isinstance(value, dict) else {}


@check(
    id="IG-K8S-007",
    title="Container adds a dangerous Linux capability",
    severity="high",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-250",
    compliance={"cis-kubernetes-1.9": ["5.2.9"], "nsa-cisa-kubernetes-1.2": ["pod-security"]},
    description="SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE, BPF, ALL and similar capabilities are "
    "most of root: they allow mounting filesystems, reconfiguring the network, tracing other "
    "processes or loading kernel code, and are the usual container escape routes.",
    remediation="Remove the capability from `capabilities.add`; if the workload truly needs it, run it on "
    "dedicated nodes and document why.",
    example="securityContext:\n  capabilities:\n    drop: [ALL]\n    add: [NET_BIND_SERVICE]",
)
def dangerous_capabilities(resource: Resource) -> list[Fail]:
    fails = []
    for c in _linux_containers(resource):
        for index, capability in enumerate(items(_capabilities(c).get("add"))):
            name = str(capability).upper().removeprefix("CAP_")
            if name in DANGEROUS_CAPABILITIES:
                fails.append(
                    Fail(f"{c.path}.securityContext.capabilities.add.{index}", f"{c.label} adds capability {name}")
                )
    return fails


@check(
    id="IG-K8S-008",
    title="Container does not drop all capabilities",
    severity="low",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-250",
    compliance={"cis-kubernetes-1.9": ["5.2.10"], "nsa-cisa-kubernetes-1.2": ["pod-security"]},
    description="Container runtimes grant a default set of capabilities (NET_RAW, CHOWN, SETUID, ...) "
    "that most applications never use; NET_RAW alone allows ARP and DNS spoofing inside the cluster "
    "network.",
    remediation="Drop ALL capabilities and add back only those the process needs.",
    example="securityContext:\n  capabilities:\n    drop: [ALL]",
    fix=SetValue(
        "securityContext.capabilities.drop",
        ["ALL"],
        unsafe="a process that needs one of the runtime's default capabilities (binding a port below 1024, chown, "
        "setuid) fails until it is added back under capabilities.add",
    ),
)
def capabilities_not_dropped(resource: Resource) -> list[Fail]:
    fails = []
    for c in _linux_containers(resource):
        if c.security_context.get("privileged") is True:
            continue  # privileged has every capability whatever is dropped; IG-K8S-001 reports it
        drop = _capabilities(c).get("drop")
        if isinstance(drop, list) and any(str(d).upper() in ("ALL", "CAP_ALL") for d in drop):
            continue
        if drop is None and is_patch_fragment(resource):
            continue
        if drop is not None:
            path = f"{c.path}.securityContext.capabilities.drop"
        elif "capabilities" in c.security_context:
            path = f"{c.path}.securityContext.capabilities"
        else:
            path = c.path
        fails.append(Fail(path, f"{c.label} does not drop ALL capabilities"))
    return fails


@check(
    id="IG-K8S-009",
    title="Container root filesystem is writable",
    severity="low",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-732",
    compliance={"nsa-cisa-kubernetes-1.2": ["immutable-file-systems"]},
    description="A writable root filesystem lets an attacker who gets code execution drop tools and "
    "persist changes to the container's binaries and configuration.",
    remediation="Set `readOnlyRootFilesystem: true` and mount an emptyDir where the process must write (/tmp, caches).",
    example="securityContext:\n  readOnlyRootFilesystem: true",
    fix=SetValue(
        "securityContext.readOnlyRootFilesystem",
        True,
        unsafe="a process that writes outside its volumes (/tmp, caches, pid files) fails until an emptyDir is "
        "mounted where it writes",
    ),
)
def writable_root_filesystem(resource: Resource) -> list[Fail]:
    return _require_security_flag(
        resource, "readOnlyRootFilesystem", True, "does not set readOnlyRootFilesystem: true",
        "has a writable root filesystem",
    )  # fmt: skip


def _require_security_flag(
    resource: Resource,
    key: str,
    wanted: bool,
    when_missing: str,
    when_wrong: str,
    skip: Callable[[Container], bool] | None = None,
) -> list[Fail]:
    """Every Linux container (but those `skip` exempts) must set securityContext.<key> to `wanted`
    (patch fragments may leave it out)."""
    fails = []
    fragment = is_patch_fragment(resource)
    for c in _linux_containers(resource):
        if skip is not None and skip(c):
            continue
        value = c.security_context.get(key)
        if value is wanted or (value is None and fragment):
            continue
        if value is None:
            fails.append(Fail(c.path, f"{c.label} {when_missing}"))
        else:
            fails.append(Fail(f"{c.path}.securityContext.{key}", f"{c.label} {when_wrong}"))
    return fails


@check(
    id="IG-K8S-010",
    title="Container has no memory or CPU limit",
    severity="low",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-770",
    compliance={"nsa-cisa-kubernetes-1.2": ["resource-policies"]},
    description="Without limits one container (a leak, a fork bomb, an attacker mining coins) can starve "
    "every other pod on its node of memory or CPU.",
    remediation="Set `resources.limits.memory` and `resources.limits.cpu` (or enforce defaults with a "
    "LimitRange in the namespace).",
    example="resources:\n  requests: {cpu: 100m, memory: 128Mi}\n  limits: {cpu: 500m, memory: 256Mi}",
)
def missing_limits(resource: Resource) -> list[Fail]:
    if is_patch_fragment(resource):
        return []
    fails = []
    for c in containers(resource):
        if c.list_name == "ephemeralContainers":
            continue  # ephemeral containers cannot have resources
        resources = c.spec.get("resources")
        resources = resources if isinstance(resources, dict) else {}
        limits = resources.get("limits")
        limits = limits if isinstance(limits, dict) else {}
        missing = [name for name in ("memory", "cpu") if not limits.get(name)]
        if not missing:
            continue
        if "limits" in resources:
            path = f"{c.path}.resources.limits"
        elif "resources" in c.spec:
            path = f"{c.path}.resources"
        else:
            path = c.path
        fails.append(Fail(path, f"{c.label} has no {' or '.join(missing)} limit"))
    return fails


def _image_tag_problem(image: str) -> str | None:
    """Why an image reference is not pinned, or None when it has a digest or a non-latest tag."""
    if "@" in image:
        return None
    if image.split(":", 1)[0] != image.split(":", 1)[0].lower():
        return None  # image names are lowercase: IMAGE_URL-style placeholders replaced at deploy time
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "has no tag (it means :latest)"
    if last.rsplit(":", 1)[1] == "latest":
        return "uses the :latest tag"
    return None


@check(
    id="IG-K8S-011",
    title="Container image is untagged or uses latest",
    severity="medium",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-1357",
    description="`:latest` or no tag means every node pull can bring a different image: deployments "
    "are not reproducible, rollbacks do not roll back, and a compromised registry push goes live. Images a "
    "Skaffold config in the manifest's directory (or above) builds are not reported: Skaffold rewrites "
    "them to the tag it built when it deploys; nor are images whose tag or digest a kustomization including "
    "the manifest sets with `images:`.",
    remediation="Pin a version tag, better an immutable digest (`image: repo/app:1.4.2@sha256:...`).",
    example="image: nginx:1.27.2@sha256:2d194184b067db3598771b4cf326cfe6ad5051937ba1132b8b7d4b0184e0d0a6",
    graph=True,
)
def image_not_pinned(resource: Resource, graph: ResourceGraph) -> list[Fail]:
    fails = []
    for c in containers(resource):
        image = c.spec.get("image")
        if not isinstance(image, str) or not image.strip() or "$" in image or "{{" in image:
            continue  # no image or a placeholder substituted at deploy time
        if built_by_skaffold(graph, resource.location.file, image.strip()):
            continue  # the deployed reference is the tag Skaffold built
        if pinned_by_kustomize(graph, resource.location.file, image.strip()):
            continue  # a kustomization's `images:` sets the tag that is deployed
        problem = _image_tag_problem(image.strip())
        if problem:
            fails.append(Fail(f"{c.path}.image", f"{c.label} image {image!r} {problem}"))
    return fails


@check(
    id="IG-K8S-012",
    title="Pod mounts the default ServiceAccount token",
    severity="low",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-522",
    compliance={"cis-kubernetes-1.9": ["5.1.5", "5.1.6"], "nsa-cisa-kubernetes-1.2": ["service-account-tokens"]},
    description="A pod that runs as the namespace's default ServiceAccount rarely calls the Kubernetes "
    "API, yet gets an API token mounted; an attacker in the pod can use it (and any permissions later "
    "granted to the default account). Pods with their own ServiceAccount are not reported: they are "
    "assumed to need the API. A default ServiceAccount declared in the scanned files with "
    "`automountServiceAccountToken: false` covers its pods.",
    remediation="Set `automountServiceAccountToken: false` on the pod spec (or on the default "
    "ServiceAccount), or give the pod a dedicated ServiceAccount if it needs the API.",
    example="spec:\n  automountServiceAccountToken: false",
    graph=True,
    fix=SetValue(
        "automountServiceAccountToken",
        False,
        unsafe="a pod that calls the Kubernetes API with the mounted token loses its credentials",
    ),
)
def default_token_mounted(resource: Resource, graph: ResourceGraph) -> Fail | None:
    found = pod_spec(resource)
    if found is None:
        return None
    path, spec = found
    account = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    value = spec.get("automountServiceAccountToken")
    if account != "default" or value is False or (value is None and is_patch_fragment(resource)):
        return None
    accounts = graph.successors(resource, "uses", "ServiceAccount")
    opted_out = {a.get("automountServiceAccountToken") is False for a in accounts}
    if value is None and opted_out == {True}:
        return None  # the declared default ServiceAccount opts its pods out
    if value is None and len(opted_out) > 1:  # variants (overlays) disagree: which one is applied is not known
        files = ", ".join(sorted(a.location.file for a in accounts))
        raise UnknownValue(path, f"the default ServiceAccount is declared in {files} with different token settings")
    if value is True:
        return Fail(f"{path}.automountServiceAccountToken", "pod mounts the default ServiceAccount's API token")
    return Fail(path, "pod runs as the default ServiceAccount and does not set automountServiceAccountToken: false")


@check(
    id="IG-K8S-013",
    title="Secret value written in a container's environment",
    severity="high",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-798",
    description="A password, token or key written as a literal `value` is stored in the repository, in "
    "the object (readable by anyone who can read the workload) and in every copy of the manifest. "
    "Placeholders meant to be filled in (`<token>`, `$(VAR)`, `INSERT_DISCOVERY_TOKEN`, `your-api-key`) are "
    "not reported.",
    remediation="Store the value in a Secret (or an external secret manager) and reference it with "
    "`valueFrom.secretKeyRef`; rotate the exposed value.",
    example="env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef: {name: db, key: password}",
)
def secret_in_env(resource: Resource) -> list[Fail]:
    fails = []
    for c in containers(resource):
        for index, env in enumerate(items(c.spec.get("env"))):
            if not isinstance(env, dict):
                continue
            name = str(env.get("name") or "")
            what = secret_kind(name, env.get("value"))
            if what:
                fails.append(Fail(f"{c.path}.env.{index}.value", f"{c.label} sets {name} to a secret ({what})"))
    return fails


@check(
    id="IG-K8S-014",
    title="Service is exposed outside the cluster",
    severity="low",
    framework="kubernetes",
    types=["Service"],
    cwe="CWE-668",
    description="A LoadBalancer Service usually gets a public address; a NodePort opens the port on every "
    "node. Either bypasses the Ingress (TLS, authentication, WAF) and is easy to expose by accident. "
    "LoadBalancers that a cloud annotation makes internal (networking.gke.io/load-balancer-type: Internal, "
    "service.beta.kubernetes.io/aws-load-balancer-scheme: internal, ...) or that set "
    "loadBalancerSourceRanges are not reported. An ingress controller's own Service (ingress-nginx, Traefik, "
    "an Istio ingress gateway...) exists to be that entry point, and a NodePort Service an Ingress routes to "
    "is how GKE's and other cloud ingress controllers reach pods: both are reported at info, as a reminder "
    "to restrict source ranges or firewall the node ports where the audience is known.",
    remediation="Use a ClusterIP Service behind an Ingress or Gateway; if a LoadBalancer is needed, make it "
    "internal or set `loadBalancerSourceRanges`.",
    example="spec:\n  type: ClusterIP",
    graph=True,
)
def exposed_service(resource: Resource, graph: ResourceGraph) -> Fail | None:
    kind = resource.get("spec.type")
    if kind == "LoadBalancer" and (resource.get("spec.loadBalancerSourceRanges") or internal_load_balancer(resource)):
        return None
    if kind not in ("LoadBalancer", "NodePort"):
        return None
    if ingress_controller_service(resource, graph):
        return Fail("spec.type", f"Service type {kind} exposes an ingress controller: its purpose", (), "info")
    if kind == "NodePort" and graph.predecessors(resource, "routes", "Ingress"):
        return Fail("spec.type", "NodePort Service backs an Ingress (cloud load balancers reach it so)", (), "info")
    return Fail("spec.type", f"Service type {kind} exposes it outside the cluster")


# Image repositories (path fragments) of ingress controllers and gateways, and the labels their charts and
# manifests put on the controller's Service and pods.
INGRESS_CONTROLLER_IMAGES = (
    "ingress-nginx/controller",
    "nginx-ingress-controller",
    "nginx/nginx-ingress",
    "traefik",
    "haproxytech/kubernetes-ingress",
    "haproxy-ingress",
    "kong/kong-gateway",
    "kong/kubernetes-ingress-controller",
    "emissary-ingress",
    "datawire/ambassador",
    "projectcontour/contour",
)
INGRESS_CONTROLLER_LABELS = {
    "app.kubernetes.io/name": frozenset(
        {"ingress-nginx", "nginx-ingress", "traefik", "kong", "contour", "haproxy-ingress", "emissary-ingress",
         "istio-ingressgateway", "envoy-gateway"}
    ),
    "app": frozenset({"ingress-nginx", "nginx-ingress", "traefik", "istio-ingressgateway", "kong"}),
    "istio": frozenset({"ingressgateway"}),
}  # fmt: skip


def ingress_controller_service(service: Resource, graph: ResourceGraph) -> bool:
    """Whether the Service fronts an ingress controller or gateway: by the images of the pods it selects,
    else by the well-known labels on it or in its selector."""
    for workload in graph.successors(service, "selects"):
        for c in containers(workload):
            image = c.spec.get("image")
            if isinstance(image, str) and any(fragment in image for fragment in INGRESS_CONTROLLER_IMAGES):
                return True
    for path in ("metadata.labels", "spec.selector"):
        labels = service.get(path)
        if isinstance(labels, dict) and any(
            str(labels.get(key)) in values for key, values in INGRESS_CONTROLLER_LABELS.items()
        ):
            return True
    return False


def _rules(resource: Resource) -> Iterator[tuple[int, dict[str, Any]]]:
    for index, rule in enumerate(items(resource.get("rules"))):
        if isinstance(rule, dict):
            yield index, rule


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


@check(
    id="IG-K8S-015",
    title="RBAC role grants wildcard access",
    severity="high",
    framework="kubernetes",
    types=["Role", "ClusterRole"],
    cwe="CWE-269",
    compliance={"cis-kubernetes-1.9": ["5.1.3"], "nsa-cisa-kubernetes-1.2": ["rbac"]},
    description="`*` in resources grants every resource of the API groups, including ones added later "
    "(secrets, CRDs); `*` verbs include escalate, impersonate and delete. Reported for Kubernetes' own "
    "API groups; wildcards inside an operator's own API group (its CRDs) are not.",
    remediation="List the resources and verbs the subject needs explicitly.",
    example='rules:\n  - apiGroups: [""]\n    resources: [configmaps]\n    verbs: [get, list, watch]',
)
def rbac_wildcard(resource: Resource) -> list[Fail]:
    fails = []
    for index, rule in _rules(resource):
        builtin = sorted(BUILTIN_API_GROUPS.intersection(_strings(rule.get("apiGroups"))))
        groups = ", ".join(repr(g) for g in builtin)
        if builtin and "*" in _strings(rule.get("resources")):
            fails.append(Fail(f"rules.{index}.resources", f"role grants access to every resource (`*`) of {groups}"))
        elif builtin and "*" in _strings(rule.get("verbs")):
            fails.append(Fail(f"rules.{index}.verbs", f"role grants every verb (`*`) on resources of {groups}"))
        elif "*" in _strings(rule.get("nonResourceURLs")) and "*" in _strings(rule.get("verbs")):
            fails.append(Fail(f"rules.{index}.nonResourceURLs", "role grants every verb on every API URL"))
    return fails


@check(
    id="IG-K8S-016",
    title="RBAC role can read Secrets",
    severity="medium",
    framework="kubernetes",
    types=["Role", "ClusterRole"],
    cwe="CWE-200",
    compliance={"cis-kubernetes-1.9": ["5.1.2"], "nsa-cisa-kubernetes-1.2": ["rbac"]},
    description="get, list or watch on secrets returns their values: every token, password and TLS key "
    "in the namespace (or the cluster, for a ClusterRole). Rules limited to named secrets "
    "(`resourceNames`) are not reported.",
    remediation="Limit the rule to the secrets the subject needs with `resourceNames`, or mount the "
    "secret into the pod instead of reading it through the API.",
    example='rules:\n  - apiGroups: [""]\n    resources: [secrets]\n    resourceNames: [app-tls]\n    verbs: [get]',
)
def rbac_reads_secrets(resource: Resource) -> list[Fail]:
    fails = []
    for index, rule in _rules(resource):
        groups = _strings(rule.get("apiGroups"))
        if "secrets" not in _strings(rule.get("resources")) or not ("" in groups or "*" in groups):
            continue
        if rule.get("resourceNames"):
            continue
        verbs = sorted(READ_VERBS.intersection(_strings(rule.get("verbs"))))
        if verbs:
            fails.append(Fail(f"rules.{index}.resources", f"role can {'/'.join(verbs)} every secret"))
    return fails


@check(
    id="IG-K8S-017",
    title="Object is placed in the default namespace",
    severity="info",
    framework="kubernetes",
    types=["*"],
    cwe="CWE-1220",
    compliance={"cis-kubernetes-1.9": ["5.7.4"], "nsa-cisa-kubernetes-1.2": ["namespaces"]},
    description="The default namespace is shared by everything deployed without thought; objects there "
    "cannot be isolated by namespace-scoped RBAC, quotas or NetworkPolicies. Only an explicit "
    "`namespace: default` is reported: a manifest without a namespace may be applied with `-n` or a "
    "kustomize namespace. Roles and RoleBindings are not reported: granting access to the default "
    "namespace requires them to live there.",
    remediation="Deploy the application into its own namespace.",
    example="metadata:\n  name: api\n  namespace: shop",
)
def default_namespace(resource: Resource) -> Fail | None:
    meta = resource.kubernetes
    if meta.namespace_explicit and meta.namespace == "default":
        if resource.type in ("Role", "RoleBinding"):
            return None  # grants access to the default namespace; it has to live there
        if resource.type in ("Service", "Endpoints", "EndpointSlice") and meta.name == "kubernetes":
            return None  # the API server's own Service
        return Fail("metadata.namespace", f"{resource.type} {meta.name!r} is in the default namespace")
    return None
