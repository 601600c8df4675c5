"""OpenStack checks (terraform-provider-openstack): Neutron security group rules and Barbican secrets in code.
Plain conditions (Swift container ACLs and versioning, port security, Magnum TLS, Octavia TLS versions) are in
openstack.yaml.

Facts and defaults are from the provider's docs/resources/*.md.
"""

from __future__ import annotations

from checks._helpers import exposed_admin_ports, is_world_cidr, literal_secret, port_span, written
from scanner.registry import Fail, check

ANY_PROTOCOL = {"", "any"}
TCP = {"tcp", "6"}


# high: SSH, RDP or every port of an instance reachable from any address is the first thing scanners try.
@check(
    id="IG-OST-001",
    title="Security group rule lets the internet reach SSH, RDP or every port",
    severity="high",
    framework="terraform",
    types=["openstack_networking_secgroup_rule_v2"],
    cwe="CWE-284",
    description="An ingress rule from 0.0.0.0/0 or ::/0 (also what a rule without remote_ip_prefix and "
    "remote_group_id means) that allows any protocol, every TCP port, or a TCP port range covering 22 or "
    "3389 lets anyone on the internet reach the login services of every port in the group.",
    remediation="Set remote_ip_prefix to the administrators' or VPN's range, or remote_group_id to a bastion's "
    "group, and give TCP rules a port_range_min/port_range_max for the service they are for.",
    example='resource "openstack_networking_secgroup_rule_v2" "ssh_from_bastion" {\n  direction         = "ingress"\n'
    '  ethertype         = "IPv4"\n  protocol          = "tcp"\n  port_range_min    = 22\n'
    "  port_range_max    = 22\n  remote_group_id   = openstack_networking_secgroup_v2.bastion.id\n"
    "  security_group_id = openstack_networking_secgroup_v2.app.id\n}",
    tags=("network", "public"),
)
def openstack_secgroup_rule_world_admin(resource):
    if str(resource.get("direction", "")).lower() != "ingress":
        return None
    prefix = resource.get("remote_ip_prefix")
    if prefix in (None, ""):
        if any(resource.get(group) not in (None, "") for group in ("remote_group_id", "remote_address_group_id")):
            return None
        source, where = "any address (no remote_ip_prefix or remote group)", None
    elif is_world_cidr(prefix):
        source, where = str(prefix), "remote_ip_prefix"
    else:
        return None
    protocol = str(resource.get("protocol", "") or "").strip().lower()
    if protocol in ANY_PROTOCOL:
        exposed = "every protocol and port"
    elif protocol in TCP:
        exposed = exposed_admin_ports(port_span(resource.get("port_range_min"), resource.get("port_range_max")))
    else:
        return None
    if not exposed:
        return None
    return Fail(where or written(resource, "remote_ip_prefix"), f"ingress from {source} reaches {exposed}")


# high: the secret's value is in the repository and in every clone of it, whatever Barbican does with it.
@check(
    id="IG-OST-007",
    title="Key Manager (Barbican) secret payload is written in the configuration",
    severity="high",
    framework="terraform",
    types=["openstack_keymanager_secret_v1"],
    cwe="CWE-798",
    description="A literal payload (or a variable default behind it) of a passphrase, symmetric, private or "
    "opaque secret puts the secret in the repository's history and every clone, although Barbican stores it "
    "encrypted. Certificates and public keys are not secrets and are not judged; self-identifying credentials "
    "are reported by IG-SEC-001.",
    remediation="Generate the secret (random_password) or pass it from a sensitive variable set by the pipeline, "
    "then rotate the exposed value.",
    example='resource "random_password" "db" {\n  length = 32\n}\n\n'
    'resource "openstack_keymanager_secret_v1" "db_password" {\n  name                 = "orders-db-password"\n'
    '  secret_type          = "passphrase"\n  payload              = random_password.db.result\n'
    '  payload_content_type = "text/plain"\n}',
    tags=("secrets",),
)
def openstack_secret_payload_in_code(resource):
    if str(resource.get("secret_type", "opaque")).lower() in ("certificate", "public"):
        return None
    if literal_secret(resource, "payload"):
        return Fail("payload", "payload is a literal: the secret is in the repository")
    return None
