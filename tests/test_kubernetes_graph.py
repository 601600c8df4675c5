"""Kubernetes graph edges and the workload helper they share with checks."""

from __future__ import annotations

from scanner.graph import ResourceGraph, build_graph
from scanner.kube import containers, pod_labels, pod_spec
from scanner.parsers.kubernetes import parse
from scanner.records import Resource


def _graph(*documents: str) -> tuple[ResourceGraph, dict[str, Resource]]:
    resources = parse("---\n".join(documents), "app.yaml").resources
    return build_graph(resources), {r.address: r for r in resources}


def _deployment(name: str, namespace: str = "shop", labels: str = "app: web", spec: str = "") -> str:
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {namespace}\n"
        f"spec:\n  template:\n    metadata:\n      labels:\n        {labels}\n    spec:\n"
        f"      containers:\n        - name: c\n          image: nginx:1.27.2\n{spec}"
    )


def _addresses(resources: list[Resource]) -> list[str]:
    return [r.address for r in resources]


def test_service_selects_matching_workloads_of_its_own_namespace_only() -> None:
    service = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector:\n    app: web\n"
    )
    graph, by = _graph(
        service,
        _deployment("web"),
        _deployment("web-canary", labels="{app: web, track: canary}"),
        _deployment("api", labels="app: api"),
        _deployment("web", namespace="staging"),
    )
    selected = graph.successors(by["Service/shop/web"], "selects")
    assert _addresses(selected) == ["Deployment/shop/web", "Deployment/shop/web-canary"]
    assert graph.edge_attributes(by["Service/shop/web"], by["Deployment/shop/web"], "selects") == ["spec.selector"]


def test_service_without_selector_selects_nothing() -> None:
    service = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\n  namespace: shop\nspec:\n  ports: [{port: 5432}]\n"
    )
    graph, by = _graph(service, _deployment("web"))
    assert graph.successors(by["Service/shop/db"], "selects") == []


def test_objects_without_namespace_link_only_within_default() -> None:
    service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n"
    graph, by = _graph(service, _deployment("web", namespace="default"), _deployment("web", namespace="prod"))
    assert _addresses(graph.successors(by["Service/default/web"], "selects")) == ["Deployment/default/web"]


def test_network_policy_isolates_by_pod_selector_and_empty_selector_means_all_pods() -> None:
    deny_all = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n  namespace: shop\n"
        "spec:\n  podSelector: {}\n"
    )
    only_api = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: api\n  namespace: shop\n"
        "spec:\n  podSelector:\n    matchExpressions:\n      - {key: app, operator: In, values: [api]}\n"
        "      - {key: legacy, operator: DoesNotExist}\n"
    )
    graph, by = _graph(
        deny_all,
        only_api,
        _deployment("web"),
        _deployment("api", labels="app: api"),
        _deployment("old-api", labels="{app: api, legacy: 'true'}"),
        _deployment("other", namespace="ops"),
    )
    assert _addresses(graph.successors(by["NetworkPolicy/shop/deny"], "isolates")) == [
        "Deployment/shop/api",
        "Deployment/shop/old-api",
        "Deployment/shop/web",
    ]
    assert _addresses(graph.successors(by["NetworkPolicy/shop/api"], "isolates")) == ["Deployment/shop/api"]


def test_bindings_link_roles_and_service_accounts_and_skip_undeclared_built_in_roles() -> None:
    documents = (
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: deployer\n  namespace: ci\n",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: edit-apps\n  namespace: ci\n",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: deployer\n  namespace: ci\n"
        "roleRef: {kind: Role, name: edit-apps, apiGroup: rbac.authorization.k8s.io}\n"
        "subjects:\n  - {kind: ServiceAccount, name: deployer}\n  - {kind: User, name: alice}\n",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: deployer-admin\n"
        "roleRef: {kind: ClusterRole, name: cluster-admin, apiGroup: rbac.authorization.k8s.io}\n"
        "subjects:\n  - {kind: ServiceAccount, name: deployer, namespace: ci}\n",
    )
    graph, by = _graph(*documents)
    binding = by["RoleBinding/ci/deployer"]
    assert _addresses(graph.successors(binding, "binds")) == ["Role/ci/edit-apps", "ServiceAccount/ci/deployer"]
    assert graph.edge_attributes(binding, by["ServiceAccount/ci/deployer"], "binds") == ["subjects.0"]
    # cluster-admin is built in, not declared: only the ServiceAccount edge exists
    assert _addresses(graph.successors(by["ClusterRoleBinding/deployer-admin"], "binds")) == [
        "ServiceAccount/ci/deployer"
    ]


def test_workload_uses_its_service_account_config_maps_and_secrets() -> None:
    spec = (
        "      serviceAccountName: web\n"
        "      imagePullSecrets: [{name: registry}]\n"
        "      volumes:\n"
        "        - {name: cfg, configMap: {name: web-config}}\n"
        "        - {name: tls, secret: {secretName: web-tls}}\n"
        "        - name: bundle\n          projected:\n            sources: [{configMap: {name: ca-bundle}}]\n"
    )
    container_refs = (
        "          envFrom: [{secretRef: {name: web-env}}]\n"
        "          env:\n            - name: DB_PASSWORD\n"
        "              valueFrom: {secretKeyRef: {name: db, key: password}}\n"
    )
    workload = _deployment("web", spec="").replace("      containers:", spec + "      containers:") + container_refs
    declared = [
        f"apiVersion: v1\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: shop\n"
        for kind, name in [
            ("ServiceAccount", "web"),
            ("ServiceAccount", "default"),
            ("ConfigMap", "web-config"),
            ("ConfigMap", "ca-bundle"),
            ("Secret", "web-tls"),
            ("Secret", "web-env"),
            ("Secret", "db"),
            ("Secret", "registry"),
            ("Secret", "unused"),
        ]
    ]
    graph, by = _graph(workload, *declared)
    web = by["Deployment/shop/web"]
    assert _addresses(graph.successors(web, "uses")) == [
        "ConfigMap/shop/ca-bundle",
        "ConfigMap/shop/web-config",
        "Secret/shop/db",
        "Secret/shop/registry",
        "Secret/shop/web-env",
        "Secret/shop/web-tls",
        "ServiceAccount/shop/web",
    ]
    assert graph.edge_attributes(web, by["Secret/shop/db"], "uses") == [
        "spec.template.spec.containers.0.env.0.valueFrom.secretKeyRef.name"
    ]


def test_workload_without_service_account_name_uses_default() -> None:
    account = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\n  namespace: shop\n"
    graph, by = _graph(account, _deployment("web"))
    assert _addresses(graph.successors(by["Deployment/shop/web"], "uses")) == ["ServiceAccount/shop/default"]


def test_ingress_routes_to_services_in_v1_and_v1beta1_shapes() -> None:
    services = [
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: shop\n"
        for name in ("web", "api", "old")
    ]
    v1 = (
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: shop\n  namespace: shop\nspec:\n"
        "  defaultBackend: {service: {name: web, port: {number: 80}}}\n"
        "  rules:\n    - http:\n        paths:\n          - path: /api\n            pathType: Prefix\n"
        "            backend: {service: {name: api, port: {number: 8080}}}\n"
    )
    v1beta1 = (
        "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: legacy\n  namespace: shop\nspec:\n"
        "  rules:\n    - http:\n        paths:\n          - backend: {serviceName: old, servicePort: 80}\n"
    )
    graph, by = _graph(v1, v1beta1, *services)
    shop = by["Ingress/shop/shop"]
    assert _addresses(graph.successors(shop, "routes")) == ["Service/shop/api", "Service/shop/web"]
    assert graph.edge_attributes(shop, by["Service/shop/api"], "routes") == [
        "spec.rules.0.http.paths.0.backend.service.name"
    ]
    assert _addresses(graph.successors(by["Ingress/shop/legacy"], "routes")) == ["Service/shop/old"]


def test_kube_helper_yields_cronjob_containers_with_paths_in_order() -> None:
    text = (
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: backup\nspec:\n  jobTemplate:\n    spec:\n"
        "      template:\n        metadata:\n          labels: {app: backup}\n        spec:\n"
        "          initContainers: [{name: init, image: busybox:1.36.1}]\n"
        "          containers: [{name: main, image: backup:1.0}]\n"
        "          ephemeralContainers: [{name: debug, image: busybox:1.36.1}]\n"
    )
    (cronjob,) = parse(text, "c.yaml").resources
    assert pod_spec(cronjob)[0] == "spec.jobTemplate.spec.template.spec"
    assert [(c.path, c.name, c.list_name) for c in containers(cronjob)] == [
        ("spec.jobTemplate.spec.template.spec.initContainers.0", "init", "initContainers"),
        ("spec.jobTemplate.spec.template.spec.containers.0", "main", "containers"),
        ("spec.jobTemplate.spec.template.spec.ephemeralContainers.0", "debug", "ephemeralContainers"),
    ]
    assert pod_labels(cronjob) == {"app": "backup"}


def test_a_name_declared_in_several_files_links_the_same_file_first_else_every_declaration() -> None:
    account = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n  namespace: shop\n"
    workload = _deployment("web", spec="      serviceAccountName: web\n")
    both = parse(account + "---\n" + workload, "variant-a.yaml").resources + parse(account, "variant-b.yaml").resources
    graph = build_graph(both)
    (web,) = [r for r in both if r.type == "Deployment"]
    assert [r.location.file for r in graph.successors(web, "uses")] == ["variant-a.yaml"]
    alone = parse(workload, "deploy.yaml").resources + both[:1] + parse(account, "variant-b.yaml").resources
    graph = build_graph(alone)
    assert sorted(r.location.file for r in graph.successors(alone[0], "uses")) == ["variant-a.yaml", "variant-b.yaml"]
