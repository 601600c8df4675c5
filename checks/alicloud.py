"""Alibaba Cloud checks (aliyun/alicloud provider): ECS security group rules and OSS bucket settings
that may live in the bucket or in a separate resource. Plain conditions (OSS ACLs, RDS whitelists, disk
encryption) are in alicloud.yaml.

Facts and defaults are from the provider's website/docs/r/*.html.markdown.
"""

from __future__ import annotations

from checks._helpers import Verdict, configured, decide_any, exposed_admin_ports, first_block, port_ranges, world_cidrs
from scanner.records import Resource
from scanner.registry import Fail, check

OSS_BUCKET_EXAMPLE = (
    'resource "alicloud_oss_bucket" "invoices" {\n  bucket = "acme-invoices"\n}\n\n'
    'resource "alicloud_oss_bucket_server_side_encryption" "invoices" {\n'
    "  bucket            = alicloud_oss_bucket.invoices.bucket\n"
    '  sse_algorithm     = "KMS"\n  kms_master_key_id = alicloud_kms_key.oss.id\n}\n\n'
    'resource "alicloud_oss_bucket_logging" "invoices" {\n  bucket        = alicloud_oss_bucket.invoices.bucket\n'
    '  target_bucket = "acme-access-logs"\n  target_prefix = "invoices/"\n}\n\n'
    'resource "alicloud_oss_bucket_versioning" "invoices" {\n  bucket = alicloud_oss_bucket.invoices.bucket\n'
    '  status = "Enabled"\n}'
)


# high: SSH, RDP or every port of an instance reachable from any address is the first thing scanners try.
@check(
    id="IG-ALI-001",
    title="Security group rule lets the internet reach SSH, RDP or every port",
    severity="high",
    framework="terraform",
    types=["alicloud_security_group_rule"],
    cwe="CWE-284",
    description="An accepting ingress rule with cidr_ip 0.0.0.0/0 (or ipv6_cidr_ip ::/0) whose ip_protocol is "
    "all, or tcp with a port_range covering 22 or 3389 (or 1/65535), lets anyone on the internet reach the "
    "login services of every ECS instance in the group.",
    remediation="Set cidr_ip to the office or VPN range, or source_security_group_id to a bastion's group, "
    'and open only the service\'s own port_range (e.g. "443/443").',
    example='resource "alicloud_security_group_rule" "ssh_from_office" {\n  type              = "ingress"\n'
    '  ip_protocol       = "tcp"\n  policy            = "accept"\n  port_range        = "22/22"\n'
    "  priority          = 1\n  security_group_id = alicloud_security_group.app.id\n"
    '  cidr_ip           = "203.0.113.0/24"\n}',
    tags=("network", "public"),
)
def alicloud_security_group_world_admin(resource):
    if resource.get("type") != "ingress" or str(resource.get("policy", "accept")).lower() != "accept":
        return None
    verdict = Verdict()
    for attribute in ("cidr_ip", "ipv6_cidr_ip"):
        with verdict.item():
            cidr = world_cidrs(resource, [attribute], verdict)
            if cidr is None:
                continue
            protocol = str(resource.get("ip_protocol", "")).lower()
            if protocol == "all":
                exposed = "every protocol and port"
            elif protocol == "tcp":
                exposed = exposed_admin_ports(port_ranges(resource.get("port_range", "-1/-1"), separator="/"))
            else:
                continue
            if exposed:
                verdict.fail(attribute, f"ingress from {cidr} reaches {exposed}")
    return verdict.result()


def _bucket_setting(resource: Resource, graph, block: str, setting_type: str, enabled) -> list[Resource] | None:
    """The separate setting resources for the bucket when the bucket's own `block` does not decide: None
    when the block satisfies `enabled`, else the `setting_type` resources whose `bucket` is this bucket."""
    path = first_block(resource, block)
    if path is not None and enabled(resource, path):
        return None
    return graph.linked_from(resource, setting_type, "bucket")


# medium: provider-side encryption at rest is the baseline defence for data copied off the storage layer.
@check(
    id="IG-ALI-003",
    title="OSS bucket has no server-side encryption",
    severity="medium",
    framework="terraform",
    types=["alicloud_oss_bucket"],
    cwe="CWE-311",
    description="Neither a server_side_encryption_rule block nor an alicloud_oss_bucket_server_side_encryption "
    "resource configures default encryption for the bucket, so objects uploaded without encryption headers "
    "are stored unencrypted by any key the account controls.",
    remediation='Add an alicloud_oss_bucket_server_side_encryption for the bucket with sse_algorithm = "KMS" '
    '(and a kms_master_key_id) or "AES256".',
    example=OSS_BUCKET_EXAMPLE,
    tags=("encryption", "storage"),
    graph=True,
)
def alicloud_oss_unencrypted(resource, graph):
    settings = _bucket_setting(
        resource,
        graph,
        "server_side_encryption_rule",
        "alicloud_oss_bucket_server_side_encryption",
        lambda r, p: configured(r, f"{p}.sse_algorithm"),
    )
    if settings == []:
        return Fail(None, "no server-side encryption is configured for the bucket")
    return None


# medium: without access logs a leak or abuse of the bucket cannot be investigated.
@check(
    id="IG-ALI-004",
    title="OSS bucket does not log access",
    severity="medium",
    framework="terraform",
    types=["alicloud_oss_bucket"],
    cwe="CWE-778",
    description="Neither a logging block nor an alicloud_oss_bucket_logging resource sends the bucket's access "
    "logs to a target bucket, so who read, wrote or deleted objects cannot be reconstructed after an incident. "
    "A bucket that is the target_bucket of an alicloud_oss_bucket_logging is not judged.",
    remediation="Add an alicloud_oss_bucket_logging for the bucket with a target_bucket dedicated to logs.",
    example=OSS_BUCKET_EXAMPLE,
    tags=("logging", "storage"),
    graph=True,
)
def alicloud_oss_no_logging(resource, graph):
    if graph.linked_from(resource, "alicloud_oss_bucket_logging", "target_bucket") or graph.linked_from(
        resource, "alicloud_oss_bucket", "logging.0.target_bucket"
    ):
        return None  # the bucket receives other buckets' access logs: logging it would log its own log writes
    settings = _bucket_setting(
        resource,
        graph,
        "logging",
        "alicloud_oss_bucket_logging",
        lambda r, p: configured(r, f"{p}.target_bucket"),
    )
    if settings == []:
        return Fail(None, "access logging is not configured for the bucket")
    return None


# low: versioning is recovery from overwrites and deletions, not a control against access.
@check(
    id="IG-ALI-005",
    title="OSS bucket does not keep object versions",
    severity="low",
    framework="terraform",
    types=["alicloud_oss_bucket"],
    cwe="CWE-693",
    description="Versioning is disabled unless a versioning block or an alicloud_oss_bucket_versioning sets "
    'status = "Enabled": an overwritten or deleted object cannot be restored after a faulty job, a stolen '
    "AccessKey or ransomware.",
    remediation='Add an alicloud_oss_bucket_versioning for the bucket with status = "Enabled" and a lifecycle '
    "rule that expires previous versions.",
    example=OSS_BUCKET_EXAMPLE,
    tags=("storage",),
    graph=True,
)
def alicloud_oss_unversioned(resource, graph):
    settings = _bucket_setting(
        resource,
        graph,
        "versioning",
        "alicloud_oss_bucket_versioning",
        lambda r, p: str(r.get(f"{p}.status", "")).lower() == "enabled",
    )
    if settings is None or decide_any(lambda s=s: str(s.get("status", "")).lower() == "enabled" for s in settings):
        return None
    own = first_block(resource, "versioning")
    return Fail(f"{own}.status" if own else None, "object versioning is not enabled")
