"""`iacgate scan -`: rendered Kubernetes YAML on standard input, reported in the template that
`# Source:` names (helm template) or in `--stdin-name` (kustomize build)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from scanner.cli import main
from scanner.parsers.stream import parse_stream

# what `helm template storefront ./storefront` writes: each template's documents after its `# Source:`
HELM_OUTPUT = """\
---
# Source: storefront/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: storefront
---
# Source: storefront/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: storefront
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: storefront
  template:
    metadata:
      labels:
        app.kubernetes.io/name: storefront
    spec:
      serviceAccountName: storefront
      automountServiceAccountToken: false
      containers:
        - name: web
          image: registry.example.com/shop/storefront:3.1.0
          securityContext:
            privileged: true
---
# Source: storefront/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: storefront-migrations
"""

# what `kustomize build overlays/production` writes: no `# Source:` comments
KUSTOMIZE_OUTPUT = """\
apiVersion: v1
kind: Service
metadata:
  name: orders-api
  namespace: shop-production
spec:
  type: LoadBalancer
  ports:
    - port: 443
      targetPort: 8443
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: orders-api
  namespace: shop-production
"""


def scan_stdin(text: str, *args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["scan", "-", "--no-cache", "--format", "json", *args], input=text)
    return result.exit_code, json.loads(result.stdout)


def test_documents_after_a_source_comment_are_located_in_that_template() -> None:
    files = {parsed.rel: parsed for parsed in parse_stream(HELM_OUTPUT, "stdin.yaml")}
    assert sorted(files) == ["storefront/templates/deployment.yaml", "storefront/templates/serviceaccount.yaml"]
    accounts = files["storefront/templates/serviceaccount.yaml"].resources
    # the second document that template rendered starts after the first one and a separator
    assert [(r.kubernetes.name, r.location.start_line) for r in accounts] == [
        ("storefront", 1),
        ("storefront-migrations", 6),
    ]
    (deployment,) = files["storefront/templates/deployment.yaml"].resources
    assert deployment.line_of("spec.template.spec.containers.0.securityContext.privileged") == 20


def test_a_stream_without_source_comments_keeps_its_own_lines_under_the_stdin_name() -> None:
    (parsed,) = parse_stream(KUSTOMIZE_OUTPUT, "rendered/production.yaml")
    assert parsed.rel == "rendered/production.yaml"
    assert [(r.address, r.location.start_line) for r in parsed.resources] == [
        ("Service/shop-production/orders-api", 1),
        ("ServiceAccount/shop-production/orders-api", 12),
    ]
    assert parsed.resources[0].line_of("spec.type") == 7


def test_scan_dash_reports_findings_in_the_helm_template() -> None:
    code, report = scan_stdin(HELM_OUTPUT, "--check", "IG-K8S-001")
    assert code == 1
    assert [(f["check_id"], f["location"]["file"], f["location"]["start_line"]) for f in report["findings"]] == [
        ("IG-K8S-001", "storefront/templates/deployment.yaml", 20)
    ]


def test_stdin_name_is_the_reported_path_of_unattributed_documents() -> None:
    code, report = scan_stdin(KUSTOMIZE_OUTPUT, "--check", "IG-K8S-014", "--stdin-name", "rendered/production.yaml")
    assert code == 1
    assert [(f["location"]["file"], f["location"]["start_line"]) for f in report["findings"]] == [
        ("rendered/production.yaml", 7)
    ]


def test_invalid_yaml_on_stdin_is_a_scan_error_with_its_line() -> None:
    code, report = scan_stdin("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [broken\n")
    assert code & 4
    assert [(e["file"], e["line"]) for e in report["errors"]] == [("stdin.yaml", 5)]


def test_stdin_cannot_be_mixed_with_paths() -> None:
    result = CliRunner().invoke(main, ["scan", "-", "fixtures"], input="")
    assert result.exit_code == 2 and "standard input" in result.output
