"""The Kubernetes manifest parser: line marks, hostile and broken input, List and JSON shapes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

from scanner.parsers.kubernetes import MAX_NODES, parse

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: nginx
          image: nginx:1.27.2
          securityContext:
            privileged: true
"""

BILLION_LAUGHS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: lol
data:
  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_every_attribute_path_has_its_line() -> None:
    parsed = parse(DEPLOYMENT, "web.yaml")
    (resource,) = parsed.resources
    assert resource.address == "Deployment/shop/web"
    assert resource.line_of("spec.template.spec.containers.0") == 10
    assert resource.line_of("spec.template.spec.containers.0.image") == 11
    assert resource.line_of("spec.template.spec.containers.0.securityContext.privileged") == 13
    assert (resource.location.start_line, resource.location.end_line) == (1, 13)


def test_multi_document_file_keeps_lines_per_document_and_skips_non_kubernetes_documents() -> None:
    text = "---\n# just a comment\n---\nfoo: bar\n---\n" + DEPLOYMENT + "---\n- a list\n---\nplain scalar\n---\n"
    parsed = parse(text, "all.yaml")
    assert parsed.errors == []
    (resource,) = parsed.resources
    assert resource.location.start_line == 6
    assert resource.line_of("spec.template.spec.containers.0.image") == 16


def test_objects_without_namespace_are_in_default_and_cluster_scoped_kinds_have_none() -> None:
    text = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n---\n"
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\n"
    )
    service, role = parse(text, "x.yaml").resources
    assert (service.address, service.kubernetes.namespace, service.kubernetes.namespace_explicit) == (
        "Service/default/api",
        "default",
        False,
    )
    assert (role.address, role.kubernetes.namespace) == ("ClusterRole/reader", None)


def test_billion_laughs_is_a_quick_clear_error() -> None:
    started = time.perf_counter()
    parsed = parse(BILLION_LAUGHS, "bomb.yaml")
    assert time.perf_counter() - started < 5
    assert parsed.resources == []
    (error,) = parsed.errors
    assert error.level == "error" and error.line == 1
    assert f"{MAX_NODES:,}" in error.message and "alias" in error.message


def test_recursive_alias_is_an_error_not_a_recursion_crash() -> None:
    parsed = parse("apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: loop\n  self: *m\n", "loop.yaml")
    assert parsed.resources == []
    assert [e.level for e in parsed.errors] == ["error"]
    assert "recursive alias" in parsed.errors[0].message


def test_aliases_within_budget_are_expanded_with_lines() -> None:
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: &labels\n    app: web\n"
        "spec:\n  containers:\n    - name: c\n      image: nginx:1.27.2\n      env: &env\n        - name: A\n"
        "          value: b\n    - name: d\n      image: nginx:1.27.2\n      env: *env\n"
    )
    (resource,) = parse(text, "p.yaml").resources
    assert resource.get("spec.containers.1.env.0.value") == "b"
    assert resource.line_of("spec.containers.1.env.0.value") == 13  # the anchored value's own line


def test_duplicate_keys_are_a_warning_and_the_last_value_wins() -> None:
    text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  type: ClusterIP\n  type: NodePort\n"
    parsed = parse(text, "svc.yaml")
    (error,) = parsed.errors
    assert (error.level, error.line) == ("warning", 7)
    assert "spec.type" in error.message
    assert parsed.resources[0].get("spec.type") == "NodePort"
    assert parsed.resources[0].line_of("spec.type") == 7


def test_merge_keys_are_not_reported_as_duplicates() -> None:
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n"
        "x-defaults: &defaults\n  level: info\n  format: json\n"
        "data:\n  <<: *defaults\n  level: debug\n"
    )
    parsed = parse(text, "cfg.yaml")
    assert parsed.errors == []
    assert parsed.resources[0].get("data") == {"level": "debug", "format": "json"}


def test_value_tag_used_by_crd_enums_is_accepted() -> None:
    text = (
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x.example.com\n"
        "spec:\n  matchType:\n    enum:\n    - '!='\n    - =\n    - =~\n"
    )
    parsed = parse(text, "crd.yaml")
    assert parsed.errors == []
    assert parsed.resources[0].get("spec.matchType.enum") == ["!=", "=", "=~"]


def test_python_tags_are_rejected_never_constructed() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: !!python/object/apply:os.system ['touch /tmp/pwned']\n"
    parsed = parse(text, "evil.yaml")
    assert parsed.resources == []
    (error,) = parsed.errors
    assert error.line == 4 and "python/object/apply" in error.message


def test_invalid_yaml_reports_file_line_and_what_was_being_parsed() -> None:
    text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n      type: ClusterIP\n    ports: []\n"
    parsed = parse(text, "broken.yaml")
    (error,) = parsed.errors
    assert (error.file, error.line, error.level) == ("broken.yaml", 7, "error")
    assert error.message.startswith("invalid YAML: did not find expected key (column 5)")


def test_documents_before_a_syntax_error_are_kept() -> None:
    parsed = parse(DEPLOYMENT + "---\nkind: [\n", "partial.yaml")
    assert [r.address for r in parsed.resources] == ["Deployment/shop/web"]
    assert parsed.errors[0].line == 16  # the end of the file, where the flow sequence should close


def test_kind_list_and_typed_lists_are_unpacked_with_item_lines() -> None:
    text = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: v1\n  kind: ServiceAccount\n  metadata:\n    name: a\n    namespace: team\n"
        "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: b\n  data:\n    k: v\n"
        "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleList\nitems:\n"
        "- apiVersion: rbac.authorization.k8s.io/v1\n  kind: Role\n  metadata:\n    name: r\n    namespace: default\n"
    )
    parsed = parse(text, "list.yaml")
    assert parsed.errors == []
    assert [r.address for r in parsed.resources] == ["ServiceAccount/team/a", "ConfigMap/default/b", "Role/default/r"]
    configmap = parsed.resources[1]
    assert configmap.location.start_line == 9
    assert configmap.line_of("data.k") == 14
    assert parsed.resources[2].line_of("metadata.name") == 22


def test_a_kind_ending_in_list_without_items_is_an_ordinary_object() -> None:
    text = "apiVersion: example.com/v1\nkind: AllowList\nmetadata:\n  name: ips\nspec:\n  cidrs: []\n"
    assert [r.address for r in parse(text, "a.yaml").resources] == ["AllowList/default/ips"]


def test_json_manifest_has_line_marks() -> None:
    doc = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "n"},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.27.2", "securityContext": {"privileged": True}}]},
    }
    (resource,) = parse(json.dumps(doc, indent=2), "pod.json").resources
    assert resource.get("spec.containers.0.securityContext.privileged") is True
    assert resource.line_of("spec.containers.0.securityContext.privileged") == 14


def test_json_list_and_json_with_tabs_are_read() -> None:
    listing = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}],
    }
    assert [r.address for r in parse(json.dumps(listing), "l.json").resources] == ["Namespace/a"]
    tabbed = '{\n\t"apiVersion": "v1",\n\t"kind": "Namespace",\n\t"metadata": {"name": "b"}\n}\n'
    assert [r.address for r in parse(tabbed, "t.json").resources] == ["Namespace/b"]


def test_invalid_json_reports_its_line() -> None:
    parsed = parse('{\n  "apiVersion": "v1",\n  "kind": "Pod",\n  "metadata": {"name": }\n}\n', "bad.json")
    assert parsed.resources == []
    (error,) = parsed.errors
    assert error.line == 4 and error.level == "error"


CORPUS_UNLOADABLE = "GoogleCloudPlatform+kubernetes-engine-samples/ai-ml/gke-model-armor"


def test_corpus_files_pyyaml_cannot_load_give_clear_errors_or_parse(shared: Path) -> None:
    """The 7 corpus manifests CSafeLoader rejects: 6 are mis-indented, 1 uses the `=` tag."""
    corpus = shared / "corpus"
    broken = sorted((corpus / CORPUS_UNLOADABLE).rglob("*.yaml"))
    rejected = []
    for path in broken:
        text = path.read_text()
        try:
            list(yaml.load_all(text, Loader=yaml.CSafeLoader))
        except yaml.YAMLError:
            rejected.append(path)
            parsed = parse(text, path.name)
            assert parsed.errors and parsed.errors[-1].line, path
            assert parsed.errors[-1].message.startswith("invalid YAML:"), parsed.errors
    assert len(rejected) == 6
    crd = (
        corpus / "prometheus-operator+kube-prometheus/manifests/setup/0alertmanagerConfigCustomResourceDefinition.yaml"
    )
    with pytest.raises(yaml.YAMLError):
        yaml.load(crd.read_text(), Loader=yaml.CSafeLoader)
    parsed = parse(crd.read_text(), crd.name)
    assert parsed.errors == [] and [r.type for r in parsed.resources] == ["CustomResourceDefinition"]


CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  versions:
  - name: v1
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size:
                type: integer
                type: string
"""


def test_crd_schema_keeps_its_values_but_records_no_lines_below_the_schema_root() -> None:
    (crd,) = parse(CRD, "crd.yaml").resources
    assert crd.get("spec.versions.0.schema.openAPIV3Schema.properties.spec.properties.size.type") == "string"
    assert crd.line_of("spec.versions.0.schema.openAPIV3Schema") == 10
    assert "spec.versions.0.schema.openAPIV3Schema.type" not in crd.attribute_lines
    # a deeper path falls back to the schema root's line
    assert crd.line_of("spec.versions.0.schema.openAPIV3Schema.properties.spec") == 10


def test_crd_duplicate_keys_deep_in_the_schema_are_still_reported_with_their_path_and_line() -> None:
    (warning,) = parse(CRD, "crd.yaml").errors
    assert warning.line == 18
    assert "spec.versions.0.schema.openAPIV3Schema.properties.spec.properties.size.type" in warning.message


def test_other_kinds_record_lines_at_every_depth() -> None:
    text = CRD.replace("CustomResourceDefinition", "Widget").replace("apiextensions.k8s.io/v1", "example.com/v1")
    (widget,) = parse(text, "widget.yaml").resources
    assert widget.line_of("spec.versions.0.schema.openAPIV3Schema.properties.spec.properties.size") == 16


RESOLVERS_AND_AGENT = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: resolver-allowlist
  namespace: dns
data:
  upstreams: "1.1.1.1,9.9.9.9"
egress: [1.2.3.4, 001:db8::]
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: resolver-agent
  namespace: dns
spec:
  template:
    spec:
      containers:
        - name: agent
          image: registry.example.com/resolver-agent:3.1.0
          securityContext:
            privileged: true
"""


def test_a_flow_sequence_libyaml_rejects_is_read_by_the_pure_loader_with_its_lines() -> None:
    with pytest.raises(yaml.YAMLError):
        list(yaml.load_all(RESOLVERS_AND_AGENT, Loader=yaml.CSafeLoader))
    parsed = parse(RESOLVERS_AND_AGENT, "dns.yaml")
    assert parsed.errors == []
    agent = parsed.resources[1]
    assert [r.address for r in parsed.resources] == ["ConfigMap/dns/resolver-allowlist", "DaemonSet/dns/resolver-agent"]
    assert agent.line_of("spec.template.spec.containers.0.securityContext.privileged") == 22
    assert parsed.resources[0].line_of("egress") == 8


def test_a_file_both_loaders_reject_reports_the_error_of_the_one_that_read_further() -> None:
    broken = RESOLVERS_AND_AGENT.replace("          image:", "         image:")
    parsed = parse(broken, "dns.yaml")
    assert [(e.line, e.level) for e in parsed.errors] == [(20, "error")]  # not libyaml's, at line 8
    assert [r.address for r in parsed.resources] == ["ConfigMap/dns/resolver-allowlist"]


def test_a_go_template_outside_a_chart_is_an_error_that_says_what_to_do() -> None:
    labels = "  {{- with .Values.labels }}\n"
    template = DEPLOYMENT.replace("  namespace: shop\n", "  namespace: {{ .Values.namespace }}\n" + labels)
    (error,) = parse(template, "deploy/templates/web.yaml").errors
    assert error.level == "error" and error.line == 7
    assert error.message.endswith("if it is a template, scan what it renders or list it in exclude-paths)")


def test_a_template_that_composes_as_yaml_is_an_error_not_an_object_with_odd_values() -> None:
    template = DEPLOYMENT.replace("image: nginx:1.27.2", "image: {{ .Values.image }}")
    parsed = parse(template, "deploy/web.yaml")
    assert parsed.resources == []
    (error,) = parsed.errors
    assert error.line == 11 and "a mapping or list used as a key" in error.message
