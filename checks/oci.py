"""Oracle Cloud Infrastructure checks (oracle/oci provider): security lists and network security groups,
Object Storage encryption keys. Plain conditions (bucket access type, versioning, object events, legacy
instance metadata, public Kubernetes endpoints) are in oci.yaml.

Facts and defaults are from the provider's website/docs/r/*.html.markdown.
"""

from __future__ import annotations

from checks._helpers import Verdict, block_paths, configured, exposed_admin_ports, first_block, port_span, world_cidrs
from scanner.records import Resource
from scanner.registry import Fail, check

TCP = "6"


def _tcp_destination_ports(resource: Resource, prefix: str, nested_range: bool) -> list[tuple[int, int]] | None:
    """The destination port range of the TCP rule at `prefix` ("" for a rule resource, else "block.N.");
    None (every port) when tcp_options or its range is absent.

    Security lists put min/max directly in tcp_options; NSG rules nest them in destination_port_range."""
    options = first_block(resource, f"{prefix}tcp_options")
    if options is None:
        return None
    if nested_range:
        options = first_block(resource, f"{options}.destination_port_range")
        if options is None:
            return None
    return port_span(resource.get(f"{options}.min"), resource.get(f"{options}.max"))


# high: SSH, RDP or every port of an instance reachable from any address is the first thing scanners try.
@check(
    id="IG-OCI-001",
    title="Security list or network security group lets the internet reach SSH, RDP or every port",
    severity="high",
    framework="terraform",
    types=["oci_core_security_list", "oci_core_network_security_group_security_rule"],
    cwe="CWE-284",
    description='An ingress rule with source 0.0.0.0/0 (or ::/0) whose protocol is "all", or TCP ("6") '
    "without tcp_options or with a destination port range covering 22 or 3389, lets anyone on the internet "
    "reach the instances' login services in every subnet or VNIC the rule applies to.",
    remediation="Limit source to the VPN's or bastion's CIDR (or use the OCI Bastion service), and give TCP "
    "rules a tcp_options destination port range for the service they are for.",
    example='resource "oci_core_security_list" "web" {\n  compartment_id = var.compartment_ocid\n'
    '  vcn_id         = oci_core_vcn.main.id\n  display_name   = "web"\n\n  ingress_security_rules {\n'
    '    protocol = "6"\n    source   = "0.0.0.0/0"\n\n    tcp_options {\n      min = 443\n      max = 443\n'
    '    }\n  }\n\n  ingress_security_rules {\n    protocol = "6"\n    source   = "10.0.0.0/16"\n\n'
    "    tcp_options {\n      min = 22\n      max = 22\n    }\n  }\n}",
    tags=("network", "public"),
)
def oci_ingress_world_admin(resource):
    verdict = Verdict()
    if resource.type == "oci_core_security_list":
        rules = block_paths(resource, "ingress_security_rules", verdict)
    elif str(resource.get("direction", "")).upper() == "INGRESS":
        rules = [""]
    else:
        rules = []
    for rule in rules:
        prefix = f"{rule}." if rule else ""
        with verdict.item():
            if str(resource.get(f"{prefix}source_type", "CIDR_BLOCK")).upper() != "CIDR_BLOCK":
                continue
            cidr = world_cidrs(resource, [f"{prefix}source"], verdict)
            if cidr is None:
                continue
            protocol = str(resource.get(f"{prefix}protocol", "")).strip().lower()
            if protocol == "all":
                exposed = "every protocol and port"
            elif protocol == TCP:
                exposed = exposed_admin_ports(_tcp_destination_ports(resource, prefix, nested_range=not rule))
            else:
                continue
            if exposed:
                verdict.fail(f"{prefix}source", f"ingress from {cidr} reaches {exposed}")
    return verdict.result()


# low: objects are always encrypted with Oracle-managed keys; a customer key adds control over access and revocation.
@check(
    id="IG-OCI-004",
    title="Object Storage bucket is encrypted with an Oracle-managed key",
    severity="low",
    framework="terraform",
    types=["oci_objectstorage_bucket"],
    cwe="CWE-320",
    description="Without kms_key_id the bucket's data encryption keys are wrapped by a key Oracle manages, so "
    "the tenancy cannot restrict who may use the key, audit its use in the Vault, rotate it on its own "
    "schedule or revoke it to make the data unreadable.",
    remediation="Create a key in an OCI Vault (oci_kms_key), allow the Object Storage service to use it with a "
    "policy, and set kms_key_id on the bucket.",
    example='resource "oci_objectstorage_bucket" "invoices" {\n  compartment_id = var.compartment_ocid\n'
    '  namespace      = data.oci_objectstorage_namespace.this.namespace\n  name           = "invoices"\n'
    "  kms_key_id     = oci_kms_key.storage.id\n}",
    tags=("encryption", "storage"),
)
def oci_bucket_oracle_managed_key(resource):
    if not configured(resource, "kms_key_id"):
        return Fail(None, "no kms_key_id: objects are encrypted with an Oracle-managed key")
    return None
