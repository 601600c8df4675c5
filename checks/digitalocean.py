"""DigitalOcean checks (digitalocean/digitalocean provider): Cloud Firewalls, load balancers, Kubernetes
control planes and managed databases. Plain conditions (droplet SSH keys, Spaces ACLs and versioning,
Kubernetes auto-upgrade) are in digitalocean.yaml.

Facts and defaults are from the provider's docs/resources/*.md.
"""

from __future__ import annotations

from checks._helpers import (
    Verdict,
    block_paths,
    exposed_admin_ports,
    first_block,
    is_true,
    port_ranges,
    world_cidrs,
    written,
)
from scanner.registry import Fail, check


# high: SSH, RDP or every port of a droplet reachable from any address is the first thing scanners try.
@check(
    id="IG-DO-001",
    title="Cloud Firewall lets the internet reach SSH, RDP or every port",
    severity="high",
    framework="terraform",
    types=["digitalocean_firewall"],
    cwe="CWE-284",
    description="An inbound_rule whose source_addresses include 0.0.0.0/0 or ::/0 and whose port_range covers "
    '22, 3389 or all ports ("1-65535", "all") lets anyone on the internet reach the droplets\' login '
    "services, which are brute-forced and probed for known vulnerabilities within minutes of a droplet booting.",
    remediation="Limit source_addresses to the office or VPN ranges, or use source_tags / source_droplet_ids "
    "for a bastion; open only the ports the service needs.",
    example='resource "digitalocean_firewall" "web" {\n  name        = "web"\n  tags        = ["web"]\n\n'
    '  inbound_rule {\n    protocol         = "tcp"\n    port_range       = "443"\n'
    '    source_addresses = ["0.0.0.0/0", "::/0"]\n  }\n\n  inbound_rule {\n    protocol         = "tcp"\n'
    '    port_range       = "22"\n    source_addresses = ["203.0.113.0/24"]\n  }\n}',
    tags=("network", "public"),
)
def do_firewall_world_admin(resource):
    verdict = Verdict()
    for rule in block_paths(resource, "inbound_rule", verdict):
        with verdict.item():
            cidr = world_cidrs(resource, [f"{rule}.source_addresses"], verdict)
            if cidr is None or str(resource.get(f"{rule}.protocol", "")).lower() != "tcp":
                continue
            exposed = exposed_admin_ports(port_ranges(resource.get(f"{rule}.port_range")))
            if exposed:
                verdict.fail(f"{rule}.source_addresses", f"inbound TCP from {cidr} reaches {exposed}")
    return verdict.result()


# medium: plain HTTP exposes cookies and credentials to anyone on the path; the site still works over TLS too.
@check(
    id="IG-DO-005",
    title="Public load balancer serves plain HTTP without redirecting to HTTPS",
    severity="medium",
    framework="terraform",
    types=["digitalocean_loadbalancer"],
    cwe="CWE-319",
    description='A forwarding_rule with entry_protocol = "http" on an external load balancer accepts '
    "unencrypted requests, and redirect_http_to_https defaults to false, so browsers and clients that start "
    "with http:// send cookies, tokens and form data in clear text.",
    remediation="Add an https (or http2/http3) forwarding rule with a certificate_name and set "
    "redirect_http_to_https = true, or drop the http rule.",
    example='resource "digitalocean_loadbalancer" "public" {\n  name   = "web-lb"\n  region = "ams3"\n\n'
    "  redirect_http_to_https = true\n\n  forwarding_rule {\n    entry_port     = 80\n"
    '    entry_protocol = "http"\n    target_port     = 8080\n    target_protocol = "http"\n  }\n\n'
    '  forwarding_rule {\n    entry_port       = 443\n    entry_protocol   = "https"\n'
    '    target_port      = 8080\n    target_protocol  = "http"\n'
    "    certificate_name = digitalocean_certificate.web.name\n  }\n\n"
    '  droplet_tag = "web"\n}',
    tags=("encryption", "network"),
)
def do_loadbalancer_plain_http(resource):
    if str(resource.get("network", "EXTERNAL")).upper() == "INTERNAL":
        return None
    verdict = Verdict()
    plain = []
    for rule in block_paths(resource, "forwarding_rule", verdict):
        with verdict.item():
            if str(resource.get(f"{rule}.entry_protocol", "")).lower() == "http":
                plain.append(rule)
    if plain and not is_true(resource.get("redirect_http_to_https")):
        where = written(resource, "redirect_http_to_https", f"{plain[0]}.entry_protocol")
        verdict.fail(where, "HTTP requests are served in clear text: redirect_http_to_https is not true")
    return verdict.result()


# medium: the API server still authenticates callers, but it is reachable for credential and exploit attempts.
@check(
    id="IG-DO-007",
    title="Kubernetes control plane accepts connections from any address",
    severity="medium",
    framework="terraform",
    types=["digitalocean_kubernetes_cluster"],
    cwe="CWE-284",
    description="Without an enabled control_plane_firewall (or with one that allows 0.0.0.0/0), the cluster's "
    "API server is reachable from the whole internet: a leaked kubeconfig works from anywhere, and every "
    "API server vulnerability is exposed to internet-wide scanning.",
    remediation="Add a control_plane_firewall block with enabled = true and allowed_addresses listing the "
    "CI runners', VPN's and office's ranges.",
    example='resource "digitalocean_kubernetes_cluster" "prod" {\n  name    = "prod"\n  region  = "fra1"\n'
    '  version = "1.31.1-do.3"\n\n  control_plane_firewall {\n    enabled           = true\n'
    '    allowed_addresses = ["203.0.113.0/24"]\n  }\n\n  node_pool {\n    name       = "default"\n'
    '    size       = "s-2vcpu-4gb"\n    node_count = 3\n  }\n}',
    tags=("kubernetes", "network", "public"),
)
def do_kubernetes_control_plane_open(resource):
    block = first_block(resource, "control_plane_firewall")
    if block is None:
        return Fail(None, "no control_plane_firewall: the API server accepts connections from any address")
    if not is_true(resource.get(f"{block}.enabled")):
        return Fail(f"{block}.enabled", "the control plane firewall is not enabled")
    verdict = Verdict()
    cidr = world_cidrs(resource, [f"{block}.allowed_addresses"], verdict)
    if cidr is not None:
        verdict.fail(f"{block}.allowed_addresses", f"the control plane firewall allows {cidr}")
    return verdict.result()


# high: a managed database without trusted sources answers logins from every address on the internet.
@check(
    id="IG-DO-008",
    title="Managed database cluster has no firewall (trusted sources)",
    severity="high",
    framework="terraform",
    types=["digitalocean_database_cluster"],
    cwe="CWE-284",
    description="A database cluster accepts connections from any address until trusted sources are set, "
    "which Terraform does with a digitalocean_database_firewall naming the cluster. Without one (or with a "
    "rule of type ip_addr open to 0.0.0.0/0) the database's login is exposed to the internet.",
    remediation="Add a digitalocean_database_firewall whose cluster_id is this cluster, with rules for the "
    "droplets, tags, Kubernetes clusters or app that use it.",
    example='resource "digitalocean_database_cluster" "orders" {\n  name       = "orders"\n  engine     = "pg"\n'
    '  version    = "16"\n  size       = "db-s-1vcpu-2gb"\n  region     = "fra1"\n  node_count = 1\n}\n\n'
    'resource "digitalocean_database_firewall" "orders" {\n'
    '  cluster_id = digitalocean_database_cluster.orders.id\n\n  rule {\n    type  = "tag"\n'
    '    value = "orders-api"\n  }\n}',
    tags=("network", "public"),
    graph=True,
)
def do_database_without_firewall(resource, graph):
    firewalls = graph.linked_from(resource, "digitalocean_database_firewall", "cluster_id")
    if not firewalls:
        return Fail(None, "no digitalocean_database_firewall: the database accepts connections from any address")
    verdict = Verdict()
    for firewall in firewalls:
        for rule in block_paths(firewall, "rule", verdict):
            with verdict.item():
                if firewall.get(f"{rule}.type") != "ip_addr":
                    continue  # a droplet, tag, app or Kubernetes cluster: a resource of the account
                cidr = world_cidrs(firewall, [f"{rule}.value"], verdict)
                if cidr is not None:
                    verdict.fail(None, f"{firewall.address} trusts {cidr}: any address", related=(firewall,))
    return verdict.result()


# medium: without access logs a leak or abuse of the Space cannot be investigated.
@check(
    id="IG-DO-009",
    title="Spaces bucket does not log access",
    severity="medium",
    framework="terraform",
    types=["digitalocean_spaces_bucket"],
    cwe="CWE-778",
    description="Spaces keeps no access log for a bucket unless a digitalocean_spaces_bucket_logging names it, "
    "so who listed, downloaded, uploaded or deleted objects cannot be reconstructed after a leaked key or a "
    "public ACL. A bucket that is itself the target_bucket of access logs is not judged.",
    remediation="Add a digitalocean_spaces_bucket_logging whose bucket is this bucket, with a target_bucket "
    "kept for logs and a target_prefix.",
    example='resource "digitalocean_spaces_bucket" "exports" {\n  name   = "acme-exports"\n  region = "fra1"\n}\n\n'
    'resource "digitalocean_spaces_bucket_logging" "exports" {\n  region        = "fra1"\n'
    "  bucket        = digitalocean_spaces_bucket.exports.id\n"
    '  target_bucket = "acme-access-logs"\n  target_prefix = "exports/"\n}',
    tags=("logging", "storage"),
    graph=True,
)
def do_spaces_without_access_logs(resource, graph):
    if graph.linked_from(resource, "digitalocean_spaces_bucket_logging", "bucket"):
        return None
    if graph.linked_from(resource, "digitalocean_spaces_bucket_logging", "target_bucket"):
        return None  # the bucket receives other buckets' access logs: logging it would log its own log writes
    return Fail(None, "no digitalocean_spaces_bucket_logging: access to the bucket is not logged")
