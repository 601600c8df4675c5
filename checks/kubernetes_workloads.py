"""Workload and exposure hygiene: image pinning and pull policy, requests, probes, Secrets in the environment,
removed API versions, Tiller and the dashboard, ingress-nginx snippets, Ingress TLS, Service external IPs.

Hygiene is reported low or info: it is what a reviewer tidies, not what an attacker uses first. Exposure
(Tiller, a dashboard without login, snippet annotations, external IPs) is reported at its own weight.
"""

from __future__ import annotations

from typing import Any

from checks._helpers import Verdict
from scanner.fix.spec import SetValue
from scanner.graph import ResourceGraph
from scanner.graph.images import built_by_skaffold, pinned_by_kustomize
from scanner.kube import WORKLOAD_KINDS, Container, containers, is_patch_fragment, items
from scanner.records import Resource
from scanner.registry import Fail, check

WORKLOADS = list(WORKLOAD_KINDS)
# Workloads whose containers are meant to run until stopped (probes make sense for them).
LONG_RUNNING = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"]


def _placeholder(image: str) -> bool:
    """Empty, a `$VAR` / `{{ }}` template, or an IMAGE_URL-style name (image names are lowercase)."""
    name = image.split(":", 1)[0]
    return not image.strip() or "$" in image or "{{" in image or name != name.lower()


def _mutable_tag(image: str) -> bool:
    """An image reference without digest whose tag is latest or absent."""
    if "@" in image:
        return False
    last = image.rsplit("/", 1)[-1]
    return ":" not in last or last.rsplit(":", 1)[1] == "latest"


# info: a tag can be moved to other content; a digest cannot. Pinned tags are still reviewable versions.
@check(
    id="IG-K8S-066",
    title="Container image is pinned by tag, not by digest",
    severity="info",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-1357",
    description="A tag such as `1.4.2` can be pushed again with other content (by mistake or by whoever "
    "controls the registry); only a digest names one image. Untagged and :latest images are IG-K8S-011's.",
    remediation="Append the digest to the reference (`repo/app:1.4.2@sha256:...`), e.g. with a tool that "
    "resolves and updates digests in CI.",
    example="image: nginx:1.27.2@sha256:2d194184b067db3598771b4cf326cfe6ad5051937ba1132b8b7d4b0184e0d0a6",
)
def image_without_digest(resource: Resource) -> list[Fail] | None:
    verdict = Verdict()
    for c in containers(resource):
        path = f"{c.path}.image"
        with verdict.item():
            image = resource.get(path)
            if isinstance(image, str) and not _placeholder(image) and not _mutable_tag(image) and "@" not in image:
                verdict.fails.append(Fail(path, f"{c.label} image {image!r} has no digest"))
    return verdict.result()


# low: the node keeps running whatever it cached under a moving tag; nodes disagree on what "latest" is.
@check(
    id="IG-K8S-067",
    title="Mutable image tag with a pull policy that keeps cached copies",
    severity="low",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-1357",
    description="An untagged or :latest image with `imagePullPolicy: IfNotPresent` or `Never` runs whatever "
    "each node cached, so nodes run different builds and a fixed image never arrives; with IfNotPresent a pod "
    "may also start from another tenant's cached private image without pull credentials being checked. Images "
    "Skaffold builds or a kustomization's `images:` pins are not reported (the deployed reference is tagged).",
    remediation="Pin a version tag or digest; if the tag must move, use `imagePullPolicy: Always`.",
    example="containers:\n  - name: web\n    image: nginx:1.27.2\n    imagePullPolicy: IfNotPresent",
    graph=True,
    fix=SetValue(
        "imagePullPolicy",
        "Always",
        unsafe="pods then pull at every start: an image that exists only on the nodes (policy Never, images loaded "
        "into kind or minikube) or an unreachable registry keeps them from starting",
    ),
)
def mutable_tag_cached(resource: Resource, graph: ResourceGraph) -> list[Fail] | None:
    verdict = Verdict()
    for c in containers(resource):
        with verdict.item():
            image, policy = resource.get(f"{c.path}.image"), resource.get(f"{c.path}.imagePullPolicy")
            mutable = isinstance(image, str) and not _placeholder(image) and _mutable_tag(image)
            if not mutable or policy not in ("IfNotPresent", "Never"):
                continue
            if built_by_skaffold(graph, resource.location.file, image) or pinned_by_kustomize(
                graph, resource.location.file, image
            ):
                continue  # the reference deployed is the tag Skaffold built or kustomize sets
            verdict.fails.append(
                Fail(f"{c.path}.imagePullPolicy", f"{c.label} runs {image!r} with imagePullPolicy {policy}")
            )
    return verdict.result()


def _resources(container: Container) -> tuple[dict[str, Any], dict[str, Any]]:
    found = container.spec.get("resources")
    resources: dict[str, Any] = found if isinstance(found, dict) else {}
    requests, limits = resources.get("requests"), resources.get("limits")
    return (requests if isinstance(requests, dict) else {}), (limits if isinstance(limits, dict) else {})


# low: scheduling hygiene; a pod without a memory request is the first evicted and can overload its node.
@check(
    id="IG-K8S-068",
    title="Container sets resources without a CPU or memory request",
    severity="low",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-770",
    description="A request is what the scheduler reserves. A container that writes `resources` but neither a "
    "request nor a limit for CPU or memory (a limit alone also sets the request) is scheduled as if it "
    "needed none: nodes get overcommitted and the pod is evicted first under pressure. Containers with no "
    "or empty `resources` are IG-K8S-010's.",
    remediation="Set `resources.requests.cpu` and `resources.requests.memory` to the measured usage.",
    example="resources:\n  requests: {cpu: 100m, memory: 128Mi}\n  limits: {cpu: 500m, memory: 256Mi}",
)
def missing_requests(resource: Resource) -> list[Fail]:
    if is_patch_fragment(resource):
        return []
    fails = []
    for c in containers(resource, ephemeral=False):
        if not c.spec.get("resources") or not isinstance(c.spec["resources"], dict):
            continue  # nothing written: IG-K8S-010 reports the container
        requests, limits = _resources(c)
        missing = [name for name in ("cpu", "memory") if not requests.get(name) and not limits.get(name)]
        if missing:
            path = f"{c.path}.resources.requests" if "requests" in c.spec["resources"] else f"{c.path}.resources"
            fails.append(Fail(path, f"{c.label} has no {' or '.join(missing)} request"))
    return fails


def _probe_fails(resource: Resource, probe: str, what: str) -> list[Fail]:
    if is_patch_fragment(resource):
        return []
    return [
        Fail(c.path, f"{c.label} has no {probe}: {what}")
        for c in containers(resource, ephemeral=False)
        if c.list_name == "containers" and probe not in c.spec
    ]


# info: availability hygiene; a hung process is not restarted, but nothing is exposed.
@check(
    id="IG-K8S-069",
    title="Long-running container has no liveness probe",
    severity="info",
    framework="kubernetes",
    types=LONG_RUNNING,
    cwe="CWE-754",
    description="Without a liveness probe the kubelet restarts a container only when its process exits: a "
    "deadlocked or hung server keeps its place and its traffic. (A liveness probe that is too strict causes "
    "restarts of its own; prefer a cheap local endpoint.)",
    remediation="Add a `livenessProbe` (httpGet, tcpSocket, grpc or exec) with a generous failure threshold.",
    example="livenessProbe:\n  httpGet: {path: /healthz, port: 8080}\n  periodSeconds: 10\n  failureThreshold: 6",
)
def missing_liveness_probe(resource: Resource) -> list[Fail]:
    return _probe_fails(resource, "livenessProbe", "a hung process is never restarted")


# info: availability hygiene; traffic reaches pods before they can serve.
@check(
    id="IG-K8S-070",
    title="Container behind a Service has no readiness probe",
    severity="info",
    framework="kubernetes",
    types=LONG_RUNNING,
    cwe="CWE-754",
    description="A Service sends traffic to a pod as soon as its containers start unless a readiness probe says "
    "otherwise: requests fail during startup, rollouts and overloads. Judged only for workloads a Service "
    "in the scanned files selects.",
    remediation="Add a `readinessProbe` that checks the server can answer (and its critical dependencies).",
    example="readinessProbe:\n  httpGet: {path: /ready, port: 8080}\n  periodSeconds: 5",
    graph=True,
)
def missing_readiness_probe(resource: Resource, graph: ResourceGraph) -> list[Fail]:
    if not graph.predecessors(resource, "selects", "Service"):
        return []
    return _probe_fails(resource, "readinessProbe", "Services send it traffic before it can serve")


# low: environment variables leak into child processes, crash reports and `kubectl describe`-style tooling;
# a mounted file does not. The Secret itself stays protected by RBAC.
@check(
    id="IG-K8S-071",
    title="Secret passed to a container through environment variables",
    severity="low",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-526",
    description="Values from `secretKeyRef` or `envFrom.secretRef` end up in the process environment: every child "
    "process inherits them, crash dumps and debug endpoints print them, and they never change until the pod "
    "restarts. A Secret volume is a file readable only by the process that opens it, and it is refreshed.",
    remediation="Mount the Secret as a volume (`secret.secretName`, with `defaultMode: 0400`) and read the file.",
    example="volumes:\n  - name: db\n    secret:\n      secretName: db-credentials\n      defaultMode: 0400",
)
def secret_in_environment(resource: Resource) -> list[Fail]:
    fails = []
    for c in containers(resource):
        for index, env in enumerate(items(c.spec.get("env"))):
            value_from = env.get("valueFrom") if isinstance(env, dict) else None
            if isinstance(value_from, dict) and isinstance(value_from.get("secretKeyRef"), dict):
                secret = value_from["secretKeyRef"].get("name")
                fails.append(
                    Fail(f"{c.path}.env.{index}.valueFrom.secretKeyRef", f"{c.label} reads Secret {secret!r} into "
                         f"{env.get('name')}")
                )  # fmt: skip
        for index, source in enumerate(items(c.spec.get("envFrom"))):
            if isinstance(source, dict) and isinstance(source.get("secretRef"), dict):
                secret = source["secretRef"].get("name")
                fails.append(
                    Fail(f"{c.path}.envFrom.{index}.secretRef", f"{c.label} loads every key of Secret {secret!r} "
                         "into its environment")
                )  # fmt: skip
    return fails


# apiVersion -> (Kubernetes version that stopped serving it, replacement); kinds named where a group
# version was split.
REMOVED_APIS: dict[str, tuple[str, str]] = {
    "extensions/v1beta1": ("1.16 (Ingress: 1.22)", "apps/v1, networking.k8s.io/v1"),
    "apps/v1beta1": ("1.16", "apps/v1"),
    "apps/v1beta2": ("1.16", "apps/v1"),
    "networking.k8s.io/v1beta1": ("1.22", "networking.k8s.io/v1"),
    "rbac.authorization.k8s.io/v1beta1": ("1.22", "rbac.authorization.k8s.io/v1"),
    "rbac.authorization.k8s.io/v1alpha1": ("1.22", "rbac.authorization.k8s.io/v1"),
    "admissionregistration.k8s.io/v1beta1": ("1.22", "admissionregistration.k8s.io/v1"),
    "apiextensions.k8s.io/v1beta1": ("1.22", "apiextensions.k8s.io/v1"),
    "apiregistration.k8s.io/v1beta1": ("1.22", "apiregistration.k8s.io/v1"),
    "certificates.k8s.io/v1beta1": ("1.22", "certificates.k8s.io/v1"),
    "coordination.k8s.io/v1beta1": ("1.22", "coordination.k8s.io/v1"),
    "scheduling.k8s.io/v1beta1": ("1.22", "scheduling.k8s.io/v1"),
    "scheduling.k8s.io/v1alpha1": ("1.17", "scheduling.k8s.io/v1"),
    "authentication.k8s.io/v1beta1": ("1.22", "authentication.k8s.io/v1"),
    "authorization.k8s.io/v1beta1": ("1.22", "authorization.k8s.io/v1"),
    "batch/v1beta1": ("1.25", "batch/v1"),
    "batch/v2alpha1": ("1.21", "batch/v1"),
    "policy/v1beta1": ("1.25", "policy/v1 (PodSecurityPolicy: Pod Security Admission)"),
    "discovery.k8s.io/v1beta1": ("1.25", "discovery.k8s.io/v1"),
    "events.k8s.io/v1beta1": ("1.25", "events.k8s.io/v1"),
    "node.k8s.io/v1beta1": ("1.25", "node.k8s.io/v1"),
    "autoscaling/v2beta1": ("1.25", "autoscaling/v2"),
    "autoscaling/v2beta2": ("1.26", "autoscaling/v2"),
    "flowcontrol.apiserver.k8s.io/v1beta1": ("1.26", "flowcontrol.apiserver.k8s.io/v1"),
    "flowcontrol.apiserver.k8s.io/v1beta2": ("1.29", "flowcontrol.apiserver.k8s.io/v1"),
    "flowcontrol.apiserver.k8s.io/v1beta3": ("1.32", "flowcontrol.apiserver.k8s.io/v1"),
}
STORAGE_REMOVED = {  # storage.k8s.io/v1beta1 went kind by kind
    "CSIStorageCapacity": ("1.27", "storage.k8s.io/v1"),
    "CSIDriver": ("1.22", "storage.k8s.io/v1"),
    "CSINode": ("1.22", "storage.k8s.io/v1"),
    "StorageClass": ("1.22", "storage.k8s.io/v1"),
    "VolumeAttachment": ("1.22", "storage.k8s.io/v1"),
}


# low: the manifest no longer applies to a current cluster; a maintenance problem, not an exposure.
@check(
    id="IG-K8S-072",
    title="Object uses an API version Kubernetes no longer serves",
    severity="low",
    framework="kubernetes",
    types=["*"],
    cwe="CWE-477",
    description="Beta API versions are removed a few releases after their stable version ships; a manifest "
    "that still uses one fails to apply on current clusters, and the upgrade that removes it is the moment "
    "it breaks. For Terraform, the unsuffixed `kubernetes_ingress` and `kubernetes_cron_job` resources still "
    "send the beta versions: use their `_v1` forms.",
    remediation="Move the object to the stable API version (`kubectl convert` or the migration guide), "
    "checking the fields that changed.",
    example="apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n"
    "  ingressClassName: nginx\n  tls:\n    - hosts: [shop.example.com]\n      secretName: shop-tls\n"
    "  defaultBackend:\n    service:\n      name: web\n      port:\n        number: 80",
)
def removed_api_version(resource: Resource) -> Fail | None:
    api_version = resource.kubernetes.api_version
    found = REMOVED_APIS.get(api_version)
    if api_version == "storage.k8s.io/v1beta1":
        found = STORAGE_REMOVED.get(resource.type)
    if found is None:
        return None
    removed, replacement = found
    return Fail("apiVersion", f"{resource.type} uses {api_version}, removed in Kubernetes {removed}: use {replacement}")


TILLER_IMAGES = ("kubernetes-helm/tiller", "helm/tiller", "helmpack/tiller")


# high: Tiller answers anyone who reaches its gRPC port with its (usually cluster-admin) ServiceAccount.
@check(
    id="IG-K8S-073",
    title="Helm 2 Tiller is deployed",
    severity="high",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-306",
    description="Tiller, Helm 2's in-cluster server, installs charts for any client that reaches its gRPC port "
    "(44134) and by default authenticates nobody; it usually runs with cluster-admin, so any pod in the "
    "cluster can become cluster-admin through it. Helm 2 is unmaintained since 2020.",
    remediation="Migrate to Helm 3 (no server component) and remove the Tiller deployment and its binding.",
    example="containers:\n  - name: app\n    image: registry.example.com/shop/app:1.0.0",
)
def tiller(resource: Resource) -> list[Fail]:
    return [
        Fail(f"{c.path}.image", f"{c.label} runs Tiller ({c.spec.get('image')})")
        for c in containers(resource)
        if isinstance(c.spec.get("image"), str) and any(t in c.spec["image"] for t in TILLER_IMAGES)
    ]


DASHBOARD_IMAGES = ("kubernetes-dashboard", "kubernetesui/dashboard")
DASHBOARD_FLAGS = {
    "--enable-skip-login": "anyone can skip the login and act as the dashboard's ServiceAccount",
    "--enable-insecure-login": "logins are accepted over plain HTTP",
    "--disable-settings-authorizer": "any user can change the dashboard's settings",
}


# high: a dashboard that skips login hands its ServiceAccount (often broad) to whoever reaches it.
@check(
    id="IG-K8S-074",
    title="Kubernetes Dashboard allows access without login",
    severity="high",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-306",
    description="The Dashboard's `--enable-skip-login` lets visitors use it with its own ServiceAccount's "
    "permissions, and `--enable-insecure-login` accepts tokens over HTTP; exposed dashboards with these flags "
    "have been the entry point of public cluster compromises (Tesla, 2018).",
    remediation="Remove the flags, serve the dashboard over HTTPS only to authenticated users (kubectl proxy "
    "or an authenticating proxy) and give its ServiceAccount no more than it needs.",
    example="containers:\n  - name: kubernetes-dashboard\n    image: kubernetesui/dashboard:v2.7.0\n"
    "    args:\n      - --auto-generate-certificates\n      - --namespace=kubernetes-dashboard",
)
def dashboard_without_login(resource: Resource) -> list[Fail]:
    fails = []
    for c in containers(resource):
        image = c.spec.get("image")
        if not isinstance(image, str) or not any(d in image for d in DASHBOARD_IMAGES):
            continue
        for key in ("command", "args"):
            for index, arg in enumerate(items(c.spec.get(key))):
                flag, _, value = str(arg).partition("=")
                if flag in DASHBOARD_FLAGS and value.strip().lower() != "false":
                    fails.append(Fail(f"{c.path}.{key}.{index}", f"dashboard {flag}: {DASHBOARD_FLAGS[flag]}"))
    return fails


NGINX_SNIPPETS = (
    "nginx.ingress.kubernetes.io/configuration-snippet",
    "nginx.ingress.kubernetes.io/server-snippet",
    "nginx.ingress.kubernetes.io/auth-snippet",
    "nginx.ingress.kubernetes.io/stream-snippet",
    "nginx.ingress.kubernetes.io/modsecurity-snippet",
)


# medium: snippets are raw NGINX configuration in the shared controller; they have been used to read the
# controller's token and every Secret (CVE-2021-25742) and to bypass other Ingresses' rules.
@check(
    id="IG-K8S-075",
    title="Ingress injects raw NGINX configuration through a snippet annotation",
    severity="medium",
    framework="kubernetes",
    types=["Ingress"],
    cwe="CWE-94",
    description="ingress-nginx copies `*-snippet` annotations verbatim into the configuration of the controller "
    "every Ingress shares: a snippet can read files in the controller (its ServiceAccount token can read every "
    "Secret of the cluster, CVE-2021-25742), proxy to internal addresses, or change other hosts' behaviour. "
    "Recent controllers disable snippets by default; an Ingress that needs them depends on that being undone.",
    remediation="Replace the snippet with the dedicated annotation or a ConfigMap setting of the controller; "
    "keep `allow-snippet-annotations: false`.",
    example="metadata:\n  annotations:\n    nginx.ingress.kubernetes.io/proxy-body-size: 8m",
)
def nginx_snippet(resource: Resource) -> list[Fail]:
    annotations = resource.get("metadata.annotations")
    if not isinstance(annotations, dict):
        return []
    return [
        Fail(f"metadata.annotations.{key}", f"annotation {key} injects NGINX configuration")
        for key in annotations
        if str(key) in NGINX_SNIPPETS
    ]


# high: with snippets allowed, anyone who can create an Ingress can read every Secret through the controller.
@check(
    id="IG-K8S-076",
    title="ingress-nginx controller allows snippet annotations",
    severity="high",
    framework="kubernetes",
    types=["ConfigMap"],
    cwe="CWE-94",
    description='`allow-snippet-annotations: "true"` in the ingress-nginx controller\'s ConfigMap lets every '
    "user who can create an Ingress in any namespace inject NGINX configuration into the shared controller and "
    "read its ServiceAccount token, which can read all Secrets (CVE-2021-25742).",
    remediation='Set `allow-snippet-annotations: "false"` (the default since controller v1.9) and use the '
    "dedicated annotations instead.",
    example='kind: ConfigMap\nmetadata:\n  name: ingress-nginx-controller\ndata:\n  allow-snippet-annotations: "false"',
    fix=SetValue(
        "data.allow-snippet-annotations",
        "false",
        unsafe="Ingresses that rely on snippet annotations are then refused by the controller or lose that "
        "configuration",
    ),
)
def nginx_snippets_allowed(resource: Resource) -> Fail | None:
    value = resource.get("data.allow-snippet-annotations")
    if isinstance(value, str) and value.strip().lower() == "true":
        return Fail("data.allow-snippet-annotations", "the ingress-nginx controller accepts snippet annotations")
    return None


# Annotations under which the load balancer terminates TLS with a certificate it manages, not `spec.tls`.
MANAGED_TLS_ANNOTATIONS = (
    "alb.ingress.kubernetes.io/certificate-arn",
    "networking.gke.io/managed-certificates",
    "ingress.gcp.kubernetes.io/pre-shared-cert",
    "appgw.ingress.kubernetes.io/appgw-ssl-certificate",
    "service.beta.kubernetes.io/aws-load-balancer-ssl-cert",
    "kubernetes.io/ingress.allow-http",
)


# low: the traffic of that Ingress crosses the network in clear text; a cloud LB may still terminate TLS in
# ways the manifest does not show, so it stays low.
@check(
    id="IG-K8S-077",
    title="Ingress serves its hosts without TLS",
    severity="low",
    framework="kubernetes",
    types=["Ingress"],
    cwe="CWE-319",
    description="An Ingress without `spec.tls` serves its hosts over plain HTTP: credentials and session "
    "cookies cross the network in clear text. Ingresses whose load balancer terminates TLS with a certificate "
    "named in an annotation (AWS ALB certificate-arn, GKE managed certificates, Azure Application Gateway...) "
    "are not reported.",
    remediation="Add a `tls` entry with the hosts and a certificate Secret (e.g. issued by cert-manager), and "
    "redirect HTTP to HTTPS.",
    example="spec:\n  tls:\n    - hosts: [shop.example.com]\n      secretName: shop-tls",
    tags=("encryption",),
)
def ingress_without_tls(resource: Resource) -> Fail | None:
    if resource.get("spec.tls"):
        return None
    annotations = resource.get("metadata.annotations")
    if isinstance(annotations, dict) and any(str(key) in MANAGED_TLS_ANNOTATIONS for key in annotations):
        return None
    return Fail("spec" if resource.get("spec") is not None else None, "Ingress has no tls section: HTTP only")


# medium: externalIPs let whoever can create a Service intercept traffic to any IP (CVE-2020-8554).
@check(
    id="IG-K8S-078",
    title="Service sets externalIPs",
    severity="medium",
    framework="kubernetes",
    types=["Service"],
    cwe="CWE-441",
    description="kube-proxy routes traffic for a Service's `externalIPs` from every node to its pods, whatever "
    "those addresses are: a Service can capture traffic meant for another host (CVE-2020-8554, unfixed by "
    "design; the DenyServiceExternalIPs admission plugin blocks it).",
    remediation="Use a LoadBalancer or an Ingress instead; if external IPs are needed, restrict them with "
    "an admission policy and keep them on addresses you own.",
    example="spec:\n  type: ClusterIP\n  ports:\n    - port: 80",
    tags=("network",),
)
def service_external_ips(resource: Resource) -> Fail | None:
    ips = resource.get("spec.externalIPs")
    if isinstance(ips, list) and ips:
        return Fail("spec.externalIPs", f"Service routes external IPs {', '.join(map(str, ips))} to its pods")
    return None


# Pod settings a chart commonly exposes as values, judged when a helm_release sets them literally:
# last key of the value path -> (the value that is the risk, severity, what it means).
HELM_POD_SETTINGS = {
    "privileged": ("true", "high", "runs the chart's containers privileged"),
    "hostNetwork": ("true", "high", "puts the chart's pods on the node's network"),
    "hostPID": ("true", "high", "shares the node's process table with the chart's pods"),
    "hostIPC": ("true", "high", "shares the node's IPC namespace with the chart's pods"),
    "allowPrivilegeEscalation": ("true", "medium", "lets the chart's processes gain privileges"),
}


def _helm_value_path(name: str) -> list[str]:
    """The parts of a `set` name: dots separate keys unless escaped (`podAnnotations.app\\.io/x`)."""
    parts, current, escaped = [], "", False
    for char in name:
        if escaped:
            current, escaped = current + char, False
        elif char == "\\":
            escaped = True
        elif char == ".":
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


# high: the same privilege a manifest would grant, set through a Terraform-managed Helm release.
@check(
    id="IG-K8S-084",
    title="Helm release sets a privileged or host-namespace pod value",
    severity="high",
    framework="terraform",
    types=["helm_release"],
    cwe="CWE-250",
    description="A `set` value such as `controller.securityContext.privileged = true` or `hostNetwork = true` "
    "gives the chart's pods the node, as IG-K8S-001 and IG-K8S-004 report for manifests. Only `set` entries "
    "with a literal name are read (not `values` files); `allowPrivilegeEscalation = true` is reported at medium.",
    remediation="Remove the `set` entry (the chart's default is usually safe) or set the value to false; if the "
    "chart truly needs it, document why and run it on dedicated nodes.",
    example='resource "helm_release" "ingress" {\n  name       = "ingress-nginx"\n'
    '  repository = "https://kubernetes.github.io/ingress-nginx"\n  chart      = "ingress-nginx"\n'
    '  set {\n    name  = "controller.hostNetwork"\n    value = "false"\n  }\n}',
)
def helm_release_privileged_value(resource: Resource) -> list[Fail] | None:
    verdict = Verdict()
    for block in ("set", "set_sensitive"):
        for index, _ in enumerate(items(resource.get(block))):
            with verdict.item():
                name = resource.get(f"{block}.{index}.name")
                if not isinstance(name, str):
                    continue
                parts = _helm_value_path(name)
                setting = HELM_POD_SETTINGS.get(parts[-1])
                if setting is None:
                    continue
                if parts[-1] == "privileged" and not (len(parts) > 1 and parts[-2].lower().endswith("securitycontext")):
                    continue  # `privileged` elsewhere is a chart's own switch (e.g. a PSP toggle)
                value = resource.get(f"{block}.{index}.value")
                if str(value).strip().lower() == setting[0]:
                    verdict.fails.append(
                        Fail(
                            f"{block}.{index}.value",
                            f"{name} = {value}: the release {setting[2]}",
                            (),
                            None if setting[1] == "high" else setting[1],
                        )
                    )
    return verdict.result()


# medium: a legacy token Secret never expires and survives pod deletion; anyone who reads it holds the account.
@check(
    id="IG-K8S-019",
    title="Long-lived ServiceAccount token Secret",
    severity="medium",
    framework="kubernetes",
    types=["Secret"],
    cwe="CWE-613",
    description="A Secret of type `kubernetes.io/service-account-token` makes the control plane issue a token "
    "that never expires and is not bound to a pod: it stays valid until the Secret is deleted, and anyone who "
    "can read the Secret (or a copy of it) acts as the ServiceAccount.",
    remediation="Use short-lived tokens: projected `serviceAccountToken` volumes in pods, or `kubectl create "
    "token` / the TokenRequest API for clients outside the cluster.",
    example="volumes:\n  - name: api-token\n    projected:\n      sources:\n        - serviceAccountToken:\n"
    "            path: token\n            expirationSeconds: 3600",
    tags=("iam",),
)
def legacy_token_secret(resource: Resource) -> Fail | None:
    if resource.get("type") != "kubernetes.io/service-account-token":
        return None
    annotations = resource.get("metadata.annotations")
    account = annotations.get("kubernetes.io/service-account.name") if isinstance(annotations, dict) else None
    return Fail("type", f"Secret holds a non-expiring token for ServiceAccount {account!r}")
