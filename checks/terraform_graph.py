"""Terraform checks that need relationships between resources (the `references` edges of the graph).

Since AWS provider v4 a bucket's public access block, policy, encryption and versioning live in
separate resources that reference the bucket, so judging a bucket means asking the graph which
resources point at it. Links are read with `graph.linked_via` / `graph.linked_from`, which raise
UnknownValue when a link cannot be followed (a bucket name from a variable without a value, a
security group id of a group created elsewhere): then the check answers unknown, not pass.
"""

from __future__ import annotations

from checks._helpers import (
    Verdict,
    as_list,
    block_paths,
    dynamic_blocks,
    instance_public_ip,
    is_true,
    policy_document,
    policy_statements,
    public_statements,
    world_open_ingress,
)
from scanner.records import Resource, UnknownValue
from scanner.registry import Fail, check

# The shared public-principal reader, under the name checks/aws_services_graph.py imports it by.
BLOCK_FLAGS = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")


def _account_blocks(graph, resource: Resource, flags: tuple[str, ...]) -> Resource | None:
    """An account-level public access block in the same module that sets all of `flags`."""
    for account in graph.resources("terraform", "aws_s3_account_public_access_block"):
        if account.scope == resource.scope and all(is_true(account.get(f)) for f in flags):
            return account
    return None


@check(
    id="IG-AWS-016",
    title="S3 bucket public access block is missing or incomplete",
    severity="medium",
    framework="terraform",
    types=["aws_s3_bucket", "aws_s3_bucket_public_access_block"],
    cwe="CWE-284",
    compliance={"cis-aws-3.0": ["2.1.4"]},
    description="S3 Block Public Access is the guard rail that stops a later ACL or bucket policy from making the "
    "bucket public. An aws_s3_bucket_public_access_block that leaves any of its four flags false (they default "
    "to false) turns that guard rail off. A bucket with no block resource at all is reported with low severity: "
    "since April 2023 S3 enables all four settings on new buckets, but nothing in the code keeps them on.",
    remediation="Attach an aws_s3_bucket_public_access_block with block_public_acls, block_public_policy, "
    "ignore_public_acls and restrict_public_buckets all true (or an account-level "
    "aws_s3_account_public_access_block).",
    example='resource "aws_s3_bucket_public_access_block" "data" {\n  bucket                  = aws_s3_bucket.data.id\n'
    "  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = true\n"
    "  restrict_public_buckets = true\n}",
    graph=True,
    tags=("s3",),
)
def aws_s3_public_access_block(resource, graph):
    if resource.type == "aws_s3_bucket_public_access_block":
        open_flags = [f for f in BLOCK_FLAGS if not is_true(resource.get(f))]
        if not open_flags:
            return None
        buckets = tuple(graph.links(resource, "bucket", "aws_s3_bucket").targets)  # context for the message only
        at = next((f for f in open_flags if resource.get(f) is not None), None)
        return Fail(at, f"public access block leaves {', '.join(open_flags)} off", related=buckets)
    if _account_blocks(graph, resource, BLOCK_FLAGS):
        return None
    if graph.linked_from(resource, "aws_s3_bucket_public_access_block", "bucket"):
        return None  # judged on the block resource itself
    return Fail(
        None,
        "no aws_s3_bucket_public_access_block references this bucket: nothing in the code keeps public access blocked",
        severity="low",
    )


def _policy_blocked(graph, bucket: Resource) -> Resource | None:
    """A bucket or account public access block that neutralises public bucket policies.

    restrict_public_buckets alone is enough: while it is on, S3 only honours a public policy's grants
    for AWS service principals and the bucket owner's own account (block_public_policy only stops a
    new public policy from being written). Raises UnknownValue when a block that may be the bucket's,
    or its flag, is unknown."""
    account = _account_blocks(graph, bucket, ("restrict_public_buckets",))
    if account is not None:
        return account
    for block in graph.linked_from(bucket, "aws_s3_bucket_public_access_block", "bucket"):
        if is_true(block.get("restrict_public_buckets")):
            return block
    return None


@check(
    id="IG-AWS-017",
    title="S3 bucket policy grants access to everyone",
    severity="high",
    framework="terraform",
    types=["aws_s3_bucket_policy", "aws_s3_bucket"],
    cwe="CWE-732",
    description='A bucket policy statement that allows Principal "*" (or {"AWS": "*"}) without a condition on the '
    "caller's account, organisation, VPC endpoint or source IP lets anyone on the internet, unauthenticated, "
    "perform the allowed actions. Critical when no public access block neutralises the policy; medium when "
    "restrict_public_buckets is on (AWS then ignores the grant for anyone outside the bucket owner's account).",
    remediation="Name the principals that need access (account or role ARNs), or add a Condition such as "
    "aws:PrincipalOrgID or aws:SourceVpce; serve public content through CloudFront with origin access control.",
    example='resource "aws_s3_bucket_policy" "site" {\n  bucket = aws_s3_bucket.site.id\n  policy = jsonencode({\n'
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect    = "Allow"\n'
    '      Principal = { Service = "cloudfront.amazonaws.com" }\n      Action    = "s3:GetObject"\n'
    '      Resource  = "${aws_s3_bucket.site.arn}/*"\n'
    '      Condition = { StringEquals = { "AWS:SourceArn" = aws_cloudfront_distribution.site.arn } }\n'
    "    }]\n  })\n}",
    graph=True,
    tags=("s3",),
)
def aws_s3_policy_public(resource, graph):
    found = public_statements(resource, "policy")
    if not found:
        return None
    if resource.type == "aws_s3_bucket" and graph.linked_from(resource, "aws_s3_bucket_policy", "bucket"):
        return None  # the aws_s3_bucket_policy resource is judged (a plan's computed copy would repeat it)
    grant = f'policy statement {", ".join(found)} allows Principal "*" with no restricting condition'
    if resource.type == "aws_s3_bucket":
        buckets = [resource]
    else:
        link = graph.links(resource, "bucket", "aws_s3_bucket")
        buckets = [] if link.unresolved else link.targets
    if not buckets:
        return Fail("policy", grant)  # whose public access block applies is unknown: the check's own severity
    try:
        blockers = [b for b in (_policy_blocked(graph, bucket) for bucket in buckets) if b is not None]
    except UnknownValue as unknown:
        return Fail("policy", f"{grant}; whether a public access block neutralises it is unknown ({unknown.reason})")
    related = tuple(r for r in buckets if r is not resource)
    if len(blockers) == len(buckets):
        return Fail(
            "policy",
            f"{grant}; neutralised today by the public access block",
            related=related + tuple(blockers),
            severity="medium",
        )
    return Fail(
        "policy",
        f"{grant}, and no public access block stops it: the bucket is public",
        related=related,
        severity="critical",
    )


def _admin_exposures(graph, group: Resource, verdict: Verdict) -> list[tuple[Resource, str]]:
    """(rule resource, description) for each world-open admin-port ingress of a security group."""
    owners = [group]
    for kind in ("aws_security_group_rule", "aws_vpc_security_group_ingress_rule"):
        with verdict.item():
            owners += graph.linked_from(group, kind, "security_group_id")
    found = []
    for owner in owners:
        with verdict.item():
            for ingress in world_open_ingress(owner, verdict):
                with verdict.item():
                    ports = ingress.admin_services(verdict)
                    if ports:
                        found.append((owner, f"{' and '.join(ports)} from {ingress.source} via {group.address}"))
    return found


@check(
    id="IG-AWS-018",
    title="Internet-reachable EC2 instance allows SSH or RDP from anywhere",
    severity="critical",
    framework="terraform",
    types=["aws_instance"],
    cwe="CWE-284",
    description="The instance has a public IP (associate_public_ip_address, an Elastic IP, or a subnet that maps "
    "public IPs) and one of its security groups admits SSH (22) or RDP (3389) from 0.0.0.0/0 or ::/0: the login "
    "service is one scan away from every botnet on the internet. This is the attack path, not just a loose rule.",
    remediation="Remove the public IP (place the instance in a private subnet behind a load balancer), or restrict "
    "the admin ingress to known ranges; prefer Session Manager or EC2 Instance Connect Endpoint to inbound SSH/RDP.",
    example='resource "aws_instance" "app" {\n  ami                         = data.aws_ami.al2023.id\n'
    '  instance_type               = "t3.micro"\n  subnet_id                   = aws_subnet.private.id\n'
    "  associate_public_ip_address = false\n  vpc_security_group_ids      = [aws_security_group.app.id]\n}",
    graph=True,
    tags=("network",),
)
def aws_public_instance_admin_ports(resource, graph):
    verdict = Verdict()
    exposures: list[tuple[Resource, Resource, str]] = []
    for attribute in ("vpc_security_group_ids", "security_groups"):
        link = graph.links(resource, attribute, "aws_security_group")
        if link.unknown is not None:
            verdict.unknown(link.unknown.path, link.unknown.reason)
        for group in link.targets:
            with verdict.item():
                exposures += [(group, rule, text) for rule, text in _admin_exposures(graph, group, verdict)]
    if not exposures:
        try:
            return verdict.result()  # None: no world-open admin port in any attached group
        except UnknownValue:
            if instance_public_ip(graph, resource) is None:
                return None  # whatever the unknown groups allow, the instance is not reachable
            raise
    public = instance_public_ip(graph, resource)
    if public is None:
        return None
    attribute, reason, via = public
    group, rule, text = exposures[0]
    related = tuple({r.key: r for r in (group, rule, *via) if r is not resource}.values())
    at = attribute or next(p for p in ("vpc_security_group_ids", "security_groups") if resource.get(p) is not None)
    return Fail(at, f"public instance ({reason}) admits {text}", related=related)


@check(
    id="IG-AWS-019",
    title="S3 bucket has no explicit server-side encryption configuration",
    severity="info",
    framework="terraform",
    types=["aws_s3_bucket"],
    cwe="CWE-311",
    description="Since January 2023 S3 encrypts every new object with SSE-S3 (AWS owned keys), so a bucket without "
    "an encryption configuration is not stored in clear; what is missing is the choice of key. Without SSE-KMS "
    "and a customer managed key, access to the data cannot be restricted or audited through the key policy. "
    "Severity info (below the default `low` threshold): nothing is exposed or stored in clear, and a finding "
    "on every bucket that relies on the default is the noise users of other scanners suppress first. Raise it "
    "with a policy when customer managed keys are mandatory.",
    remediation="Add an aws_s3_bucket_server_side_encryption_configuration referencing the bucket, with "
    'sse_algorithm = "aws:kms" and a customer managed kms_master_key_id (and bucket_key_enabled = true).',
    example='resource "aws_s3_bucket_server_side_encryption_configuration" "data" {\n'
    "  bucket = aws_s3_bucket.data.id\n  rule {\n    apply_server_side_encryption_by_default {\n"
    '      sse_algorithm     = "aws:kms"\n      kms_master_key_id = aws_kms_key.s3.arn\n    }\n'
    "    bucket_key_enabled = true\n  }\n}",
    graph=True,
    tags=("s3", "encryption"),
)
def aws_s3_no_encryption_config(resource, graph):
    if block_paths(resource, "server_side_encryption_configuration"):
        return None
    if graph.linked_from(resource, "aws_s3_bucket_server_side_encryption_configuration", "bucket"):
        return None
    if "server_side_encryption_configuration" in dynamic_blocks(resource):
        raise UnknownValue("server_side_encryption_configuration", "dynamic encryption block")
    return Fail(None, "no server-side encryption configuration: objects get the SSE-S3 default, not a managed key")


@check(
    id="IG-AWS-020",
    title="S3 bucket versioning is not enabled",
    severity="low",
    framework="terraform",
    types=["aws_s3_bucket"],
    cwe="CWE-693",
    description="Without versioning an overwritten or deleted object is gone: a buggy deploy, a compromised "
    "credential or ransomware can destroy data with no way back. Severity low, unlike the info-level "
    "encryption (IG-AWS-019) and logging (IG-AWS-021) hygiene checks: the loss it guards against is "
    "irreversible and nothing else in the code can undo it.",
    remediation="Add an aws_s3_bucket_versioning referencing the bucket with versioning_configuration { status = "
    '"Enabled" } (and lifecycle rules to expire old versions).',
    example='resource "aws_s3_bucket_versioning" "data" {\n  bucket = aws_s3_bucket.data.id\n'
    '  versioning_configuration {\n    status = "Enabled"\n  }\n}',
    graph=True,
    tags=("s3",),
)
def aws_s3_versioning_disabled(resource, graph):
    linked = graph.linked_from(resource, "aws_s3_bucket_versioning", "bucket")
    if linked:  # the separate resource wins over the (possibly computed) inline block
        if any(v.get("versioning_configuration.0.status") == "Enabled" for v in linked):
            return None
        return Fail(None, f"{linked[0].address} does not enable versioning", related=tuple(linked))
    for path in block_paths(resource, "versioning"):
        if is_true(resource.get(f"{path}.enabled")):
            return None
        if resource.get(f"{path}.enabled") is not None:
            return Fail(f"{path}.enabled", "versioning is disabled")
    if "versioning" in dynamic_blocks(resource):
        raise UnknownValue("versioning", "dynamic versioning block")
    return Fail(None, "bucket versioning is not enabled")


# attributes through which a resource sends its logs to a bucket: S3 access logs, CloudTrail, VPC flow logs
LOG_TARGETS = ("target_bucket", "s3_bucket_name", "log_destination")
# AWS services that write logs into a bucket when its policy lets them
LOG_DELIVERY_SERVICES = {
    "logging.s3.amazonaws.com",
    "delivery.logs.amazonaws.com",
    "logdelivery.elasticloadbalancing.amazonaws.com",
    "cloudtrail.amazonaws.com",
}


def _log_destination(graph, bucket: Resource) -> bool:
    """Whether the bucket receives logs (S3 access, CloudTrail, flow or load balancer logs): logging it is circular.

    Besides resources that name it as their log target, a bucket is a log destination when its ACL is
    `log-delivery-write` or its policy lets a log delivery service write to it (the log source may live
    in another configuration or account)."""
    for other in graph.predecessors(bucket, kind="references"):
        for attribute in graph.edge_attributes(other, bucket, "references"):
            last = (attribute or "").split(".")[-1]
            if last in LOG_TARGETS or (attribute or "").startswith("access_logs."):
                return True
    acls = [bucket, *_exempting_links(graph, bucket, "aws_s3_bucket_acl")]
    if any(_known(acl, "acl") == "log-delivery-write" for acl in acls):
        return True
    policies = [bucket, *_exempting_links(graph, bucket, "aws_s3_bucket_policy")]
    return any(_grants_log_delivery(policy) for policy in policies)


def _exempting_links(graph, bucket: Resource, type: str) -> list[Resource]:
    """Resources of `type` linked to the bucket, for evidence that only ever exempts it: an unknown link is none."""
    try:
        return graph.linked_from(bucket, type, "bucket")
    except UnknownValue:
        return []


def _known(resource: Resource, path: str):
    """The value at `path`, None when it is unknown: for evidence that only ever exempts a resource."""
    try:
        return resource.get(path)
    except UnknownValue:
        return None


def _grants_log_delivery(resource: Resource) -> bool:
    """Evidence that only exempts a bucket: an unknown part never counts as a grant."""
    try:
        document = policy_document(resource, "policy")
    except UnknownValue:
        return False
    for statement in policy_statements(document, "policy"):
        try:
            principal = statement.get("Principal")
            services = as_list(principal.get("Service")) if isinstance(principal, dict) else []
            if statement.get("Effect") == "Allow" and LOG_DELIVERY_SERVICES.intersection(map(str, services)):
                return True
        except UnknownValue:
            continue
    return False


@check(
    id="IG-AWS-021",
    title="S3 bucket has no server access logging",
    severity="info",
    framework="terraform",
    types=["aws_s3_bucket"],
    cwe="CWE-778",
    description="Without server access logs there is no record of who read, wrote or deleted objects, so a data "
    "leak cannot be scoped after the fact. Buckets that themselves receive S3 access logs, CloudTrail, VPC flow "
    "or load balancer logs are not reported (recognised by the resources that send them logs, a "
    "log-delivery-write ACL, or a bucket policy that lets a log delivery service write). "
    "Severity info (below the default `low` threshold): a missing "
    "audit trail exposes nothing by itself, CloudTrail S3 data events (invisible to a per-bucket scan) are an "
    "equally valid record, and a logging finding on every bucket, log buckets included, is among the most "
    "suppressed findings of other scanners.",
    remediation="Add an aws_s3_bucket_logging referencing the bucket with a target_bucket dedicated to logs (or "
    "record S3 data events with CloudTrail).",
    example='resource "aws_s3_bucket_logging" "data" {\n  bucket        = aws_s3_bucket.data.id\n'
    '  target_bucket = aws_s3_bucket.logs.id\n  target_prefix = "s3/data/"\n}',
    graph=True,
    tags=("s3", "logging"),
)
def aws_s3_no_access_logging(resource, graph):
    if block_paths(resource, "logging") or _log_destination(graph, resource):
        return None
    if graph.linked_from(resource, "aws_s3_bucket_logging", "bucket"):
        return None
    if "logging" in dynamic_blocks(resource):
        raise UnknownValue("logging", "dynamic logging block")
    return Fail(None, "no server access logging: object reads and deletions leave no record")
