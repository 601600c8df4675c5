"""AWS checks whose risk is a relationship: compute running under an administrator role, audit logs
written to a public bucket, a queue fed by a public topic, a public database reachable on its port.

Each asks the graph (`references` edges) who points at whom. A link the scanner cannot follow (a role,
bucket or group defined outside this configuration) makes the check unknown, never a pass.
"""

from __future__ import annotations

from checks._helpers import (
    Verdict,
    as_int,
    aws_all_ports,
    aws_rule_exposure,
    block_paths,
    configured,
    covers_port,
    dynamic_blocks,
    element_paths,
    group_ingress_rules,
    instance_public_ip,
    is_true,
    policy_document,
    policy_statements,
    public_grant,
    public_statements,
    referenced,
)
from checks.aws_iam import admin_grant, admin_policy_arn, grants
from checks.aws_network import DATA_SERVICES, REMOTE_SERVICES, exposed_services
from checks.aws_resource_policies import aws_lambda_permission_public
from checks.terraform_aws import PUBLIC_ACLS
from scanner.records import Resource, UnknownValue
from scanner.registry import Fail, check


def _distinct(*resources: Resource) -> tuple[Resource, ...]:
    """`resources` without repeats, in order (Resource is not hashable)."""
    return tuple({r.key: r for r in resources}.values())


def _referrers(graph, resource: Resource, type: str, attribute: str, verdict: Verdict) -> list[Resource]:
    """`graph.linked_from`, with an unknown link remembered by `verdict` rather than raised: a sibling source
    that decides for sure (an administrator policy, a public grant) still decides."""
    linked: list[Resource] = []
    with verdict.item():
        linked = graph.linked_from(resource, type, attribute)
    return linked


def _role_admin(graph, role: Resource) -> tuple[str, tuple[Resource, ...]] | None:
    """How the role gets administrator access (and through which resources); None when it does not.

    Looks at inline_policy blocks, managed_policy_arns, aws_iam_role_policy, aws_iam_role_policy_attachment and
    aws_iam_policy_attachment, following a customer managed policy ARN to its aws_iam_policy."""
    verdict = Verdict()
    for block in block_paths(role, "inline_policy", verdict):
        with verdict.item():
            grant = admin_grant(role, f"{block}.policy")
            if grant:
                return f"its inline policy {grant}", ()
    sources: list[tuple[Resource, str]] = [(role, "managed_policy_arns")]
    sources += [(a, "policy_arn") for a in _referrers(graph, role, "aws_iam_role_policy_attachment", "role", verdict)]
    sources += [(a, "policy_arn") for a in _referrers(graph, role, "aws_iam_policy_attachment", "roles", verdict)]
    for owner, path in sources:
        with verdict.item():
            found = _attached_admin(graph, owner, path, verdict)
            if found:
                return found[0], tuple(r for r in (owner, *found[1]) if r is not role)
    for inline in _referrers(graph, role, "aws_iam_role_policy", "role", verdict):
        with verdict.item():
            grant = admin_grant(inline, "policy")
            if grant:
                return f"{inline.address}: {grant}", (inline,)
    verdict.result()
    return None


def _attached_admin(graph, owner: Resource, path: str, verdict: Verdict) -> tuple[str, tuple[Resource, ...]] | None:
    """An administrator policy among the ARNs at `path` of `owner`: AWS managed, or an aws_iam_policy here."""
    for policy in referenced(graph, owner, "aws_iam_policy", path):
        with verdict.item():
            grant = admin_grant(policy, "policy")
            if grant:
                return f"{policy.address} ({grant})", (policy,)
    linked = any(attribute == path or attribute.startswith(f"{path}.") for attribute, _ in owner.references)
    try:
        elements = element_paths(owner, path)
    except UnknownValue:
        if linked:
            return None  # the ARN of a policy resource of this configuration, judged above
        raise
    for element in elements:
        try:
            value = owner.get(element)
        except UnknownValue:
            if linked:
                continue  # a policy resource of this configuration, judged above
            raise
        if admin_policy_arn(value):
            return f"{value.rsplit('/', 1)[-1]} attached", ()
    return None


def _roles_of(graph, resource: Resource, attribute: str) -> list[Resource]:
    """The roles `attribute` names; unknown when it is set but names no role of this configuration."""
    roles = referenced(graph, resource, "aws_iam_role", attribute)
    if not roles and configured(resource, attribute):
        raise UnknownValue(attribute, "the role is not defined in this configuration")
    return roles


def _admin_role_finding(graph, resource: Resource, attribute: str, roles: list[Resource], what: str) -> Fail | None:
    verdict = Verdict()
    for role in roles:
        with verdict.item():
            found = _role_admin(graph, role)
            if found:
                how, via = found
                return Fail(attribute, f"{what} runs as {role.address}, whose {how}", related=(role, *via))
    verdict.result()
    return None


# high: any code execution in the function (a dependency, an injection) is full control of the account
@check(
    id="IG-AWS-088",
    title="Lambda function runs with an administrator role",
    severity="high",
    framework="terraform",
    types=["aws_lambda_function"],
    cwe="CWE-250",
    description="The function's execution role has administrator access (AdministratorAccess or IAMFullAccess "
    'attached, or a policy allowing "*" on "*"): a vulnerable dependency, an injection in its input or a leaked '
    "deployment package turns into full control of the AWS account, with credentials available in the function's "
    "environment.",
    remediation="Give the function its own role with only the actions and resources it uses (e.g. the one bucket "
    "and table it reads), and keep administrator policies off execution roles.",
    example='resource "aws_lambda_function" "thumbnail" {\n  function_name = "thumbnail"\n'
    '  role          = aws_iam_role.thumbnail.arn\n  handler       = "index.handler"\n'
    '  runtime       = "nodejs20.x"\n  filename      = "thumbnail.zip"\n}',
    graph=True,
    tags=("iam", "serverless"),
)
def aws_lambda_admin_role(resource, graph):
    roles = _roles_of(graph, resource, "role")
    return _admin_role_finding(graph, resource, "role", roles, "the function")


def _instance_profiles(graph, resource: Resource) -> list[Resource]:
    """The instance profiles an instance, launch template or launch configuration uses."""
    attribute = "iam_instance_profile"
    profiles = referenced(graph, resource, "aws_iam_instance_profile", attribute)
    if profiles:
        return profiles
    if resource.type == "aws_launch_template":
        block = resource.get(attribute)
        paths = [f"{attribute}.0.{name}" for name in ("arn", "name")] if block else []
        if any(configured(resource, p) for p in paths):
            raise UnknownValue(attribute, "the instance profile is not defined in this configuration")
        return []
    if configured(resource, attribute):
        raise UnknownValue(attribute, "the instance profile is not defined in this configuration")
    return []


# high: anyone with a shell on the instance (or an SSRF to its metadata) holds administrator credentials
@check(
    id="IG-AWS-089",
    title="EC2 instance profile grants administrator access",
    severity="high",
    framework="terraform",
    types=["aws_instance", "aws_launch_template", "aws_launch_configuration"],
    cwe="CWE-250",
    description="The instance profile's role has administrator access: every process on the instance, and anyone "
    "who reaches its metadata service through an SSRF, can fetch credentials that control the whole account.",
    remediation="Give the instance a role with the actions it needs (e.g. AmazonSSMManagedInstanceCore and its own "
    "bucket), and require IMDSv2.",
    example='resource "aws_iam_instance_profile" "app" {\n  name = "app"\n  role = aws_iam_role.app.name\n}',
    graph=True,
    tags=("iam",),
)
def aws_instance_admin_profile(resource, graph):
    verdict = Verdict()
    for profile in _instance_profiles(graph, resource):
        with verdict.item():
            roles = _roles_of(graph, profile, "role")
            found = _admin_role_finding(graph, profile, "iam_instance_profile", roles, "the instance profile")
            if found:
                related = (profile, *found.related)
                return Fail("iam_instance_profile", f"{profile.address}: {found.message}", related=related)
    return verdict.result()


# high: a compromised container holds administrator credentials
@check(
    id="IG-AWS-090",
    title="ECS task role grants administrator access",
    severity="high",
    framework="terraform",
    types=["aws_ecs_task_definition"],
    cwe="CWE-250",
    description="The task role (task_role_arn) has administrator access: any code execution in the containers, or "
    "a request that reaches the task's credentials endpoint, controls the whole account.",
    remediation="Give each task definition a role with only the actions and resources its application calls.",
    example='resource "aws_ecs_task_definition" "api" {\n  family        = "api"\n'
    "  task_role_arn = aws_iam_role.api_task.arn\n"
    '  container_definitions = jsonencode([{ name = "api", image = "acme/api:1.4.2" }])\n}',
    graph=True,
    tags=("iam", "containers"),
)
def aws_ecs_task_admin_role(resource, graph):
    roles = _roles_of(graph, resource, "task_role_arn")
    return _admin_role_finding(graph, resource, "task_role_arn", roles, "the task")


def _account_block(graph, bucket: Resource, flag: str) -> Resource | None:
    for account in graph.resources("terraform", "aws_s3_account_public_access_block"):
        if account.scope == bucket.scope and is_true(account.get(flag)):
            return account
    return None


def _neutralised(graph, bucket: Resource, flag: str) -> bool:
    blocks = graph.linked_from(bucket, "aws_s3_bucket_public_access_block", "bucket")
    return any(is_true(b.get(flag)) for b in blocks) or _account_block(graph, bucket, flag) is not None


def _bucket_public(graph, bucket: Resource) -> tuple[str, tuple[Resource, ...]] | None:
    """Why the bucket is readable by anyone (a public ACL or policy no public access block neutralises)."""
    verdict = Verdict()
    for owner in [bucket, *_referrers(graph, bucket, "aws_s3_bucket_acl", "bucket", verdict)]:
        with verdict.item():
            acl = owner.get("acl")
            if acl in PUBLIC_ACLS and not _neutralised(graph, bucket, "ignore_public_acls"):
                return f"ACL {acl!r}", (owner,)
    for owner in [bucket, *_referrers(graph, bucket, "aws_s3_bucket_policy", "bucket", verdict)]:
        with verdict.item():
            found = public_statements(owner, "policy")
            if found and not _neutralised(graph, bucket, "restrict_public_buckets"):
                return f'policy statement {", ".join(found)} granting Principal "*"', (owner,)
    verdict.result()
    return None


# critical: the account's audit trail is readable (and maybe deletable) by anyone
@check(
    id="IG-AWS-091",
    title="CloudTrail delivers logs to a public S3 bucket",
    severity="critical",
    framework="terraform",
    types=["aws_cloudtrail"],
    cwe="CWE-532",
    description="The trail's S3 bucket is public (an ACL or a bucket policy open to everyone, not neutralised by a "
    "public access block): every API call of the account, with its caller, source IP and parameters, is readable "
    "by anyone, and an attacker learns exactly what is recorded about them.",
    remediation="Make the bucket private (public access block with all four settings on, a policy that only lets "
    "cloudtrail.amazonaws.com write) and give read access only to the security team.",
    example='resource "aws_s3_bucket_public_access_block" "trail" {\n'
    "  bucket                  = aws_s3_bucket.trail.id\n"
    "  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = true\n"
    "  restrict_public_buckets = true\n}",
    graph=True,
    tags=("logging", "public", "s3"),
)
def aws_cloudtrail_public_bucket(resource, graph):
    buckets = referenced(graph, resource, "aws_s3_bucket", "s3_bucket_name")
    if not buckets and configured(resource, "s3_bucket_name"):
        raise UnknownValue("s3_bucket_name", "the bucket is not defined in this configuration")
    verdict = Verdict()
    for bucket in buckets:
        with verdict.item():
            found = _bucket_public(graph, bucket)
            if found:
                why, via = found
                message = f"trail logs go to {bucket.address}, which is public through its {why}"
                return Fail("s3_bucket_name", message, related=(bucket, *(v for v in via if v is not bucket)))
    return verdict.result()


def _publicly_publishable(topic: Resource, graph) -> Resource | None:
    """The topic or topic policy resource that lets anyone publish to the topic."""
    verdict = Verdict()
    for owner in [topic, *_referrers(graph, topic, "aws_sns_topic_policy", "arn", verdict)]:
        statements = []
        with verdict.item():
            statements = policy_statements(policy_document(owner, "policy"), "policy")
        for statement in statements:
            with verdict.item():
                if public_grant(statement) and grants(statement, "sns:Publish"):
                    return owner
    verdict.result()
    return None


# medium: anyone can inject messages into what the queue's consumers process
@check(
    id="IG-AWS-092",
    title="SQS queue is subscribed to an SNS topic anyone can publish to",
    severity="medium",
    framework="terraform",
    types=["aws_sqs_queue"],
    cwe="CWE-346",
    description="An aws_sns_topic_subscription delivers a topic to this queue, and the topic's policy lets "
    'Principal "*" publish with no restricting condition: anyone with an AWS account can put forged messages in '
    "front of the queue's consumers, which usually trust them as internal events.",
    remediation="Restrict sns:Publish on the topic to the services and accounts that publish (aws:SourceArn, "
    "aws:SourceAccount, aws:PrincipalOrgID), or validate messages in the consumer.",
    example='resource "aws_sns_topic_subscription" "orders_to_queue" {\n  topic_arn = aws_sns_topic.orders.arn\n'
    '  protocol  = "sqs"\n  endpoint  = aws_sqs_queue.orders.arn\n}',
    graph=True,
    tags=("messaging", "public"),
)
def aws_queue_fed_by_public_topic(resource, graph):
    return _fed_by_public_topic(graph, resource, "the queue")


# Default listener port per database engine family (the port argument overrides it).
ENGINE_PORTS = {
    "mysql": 3306,
    "mariadb": 3306,
    "aurora": 3306,
    "aurora-mysql": 3306,
    "postgres": 5432,
    "aurora-postgresql": 5432,
    "oracle": 1521,
    "sqlserver": 1433,
    "db2": 50000,
}


def _db_port(resource: Resource) -> int | None:
    port = as_int(resource.get("port"))
    if port is not None:
        return port
    engine = str(resource.get("engine") or "").lower()
    prefixes = sorted(ENGINE_PORTS, key=len, reverse=True)
    return next((ENGINE_PORTS[p] for p in prefixes if engine.startswith(p)), None)


# critical: a database listener on the internet, with nothing but its password in the way
@check(
    id="IG-AWS-093",
    title="Publicly accessible RDS instance is open to the internet on its port",
    severity="critical",
    framework="terraform",
    types=["aws_db_instance"],
    cwe="CWE-284",
    description="publicly_accessible = true gives the instance a public address, and one of its security groups "
    "admits 0.0.0.0/0 or ::/0 on the database port (or on every port): the listener is reachable from the whole "
    "internet, exposed to password spraying and to any pre-authentication vulnerability of the engine. This is "
    "the attack path IG-AWS-004 warns about, confirmed by the network rules.",
    remediation="Set publicly_accessible = false and admit the port only from the application's security group; "
    "reach the database through a bastion, Session Manager port forwarding or RDS Proxy.",
    example='resource "aws_db_instance" "orders" {\n  identifier             = "orders"\n'
    '  engine                 = "postgres"\n'
    '  instance_class         = "db.t4g.medium"\n  publicly_accessible    = false\n'
    "  vpc_security_group_ids = [aws_security_group.db.id]\n}",
    graph=True,
    tags=("network", "public", "database"),
)
def aws_public_db_reachable(resource, graph):
    if not is_true(resource.get("publicly_accessible")):
        return None
    port = _db_port(resource)
    groups = referenced(graph, resource, "aws_security_group", "vpc_security_group_ids")
    if not groups:
        if configured(resource, "vpc_security_group_ids"):
            raise UnknownValue("vpc_security_group_ids", "the security groups are not defined in this configuration")
        raise UnknownValue("vpc_security_group_ids", "the VPC's default security group is not visible")
    verdict = Verdict()
    for group in groups:
        with verdict.item():
            for owner, prefix in group_ingress_rules(graph, group, verdict):
                with verdict.item():
                    exposure = aws_rule_exposure(owner, prefix, verdict)
                    if exposure is None:
                        continue
                    cidr, _, protocol, low, high = exposure
                    every = aws_all_ports(protocol, low, high)
                    tcp = str(protocol).strip().lower() in ("tcp", "6")
                    if port is None and not every:
                        verdict.unknown("port", "the database port is unknown")
                        continue
                    if every or (tcp and covers_port(low, high, port)):
                        related = _distinct(*(r for r in (group, owner) if r is not resource))
                        shown = "every port" if every else f"port {port}"
                        message = f"public instance admits {shown} from {cidr} via {group.address}"
                        return Fail("publicly_accessible", message, related=related)
    return verdict.result()


# low: the CIS benchmark asks for it: who read the audit trail is itself part of the audit
@check(
    id="IG-AWS-108",
    title="CloudTrail bucket has no server access logging",
    severity="low",
    framework="terraform",
    types=["aws_cloudtrail"],
    cwe="CWE-778",
    description="The S3 bucket the trail writes to has no server access logging (no logging block, no "
    "aws_s3_bucket_logging): reads and deletions of the audit trail itself leave no record, so tampering or "
    "reconnaissance through the logs cannot be traced.",
    remediation="Add an aws_s3_bucket_logging for the trail bucket, targeting a separate log bucket.",
    example='resource "aws_s3_bucket_logging" "trail" {\n  bucket        = aws_s3_bucket.trail.id\n'
    '  target_bucket = aws_s3_bucket.access_logs.id\n  target_prefix = "cloudtrail/"\n}',
    graph=True,
    tags=("logging", "s3"),
    compliance={"cis-aws-3.0": ["3.4"]},
)
def aws_cloudtrail_bucket_not_logged(resource, graph):
    buckets = referenced(graph, resource, "aws_s3_bucket", "s3_bucket_name")
    if not buckets and configured(resource, "s3_bucket_name"):
        raise UnknownValue("s3_bucket_name", "the bucket is not defined in this configuration")
    for bucket in buckets:
        if block_paths(bucket, "logging") or graph.linked_from(bucket, "aws_s3_bucket_logging", "bucket"):
            continue
        if "logging" in dynamic_blocks(bucket):
            raise UnknownValue("logging", f"dynamic logging block of {bucket.address}")
        return Fail("s3_bucket_name", f"{bucket.address} has no server access logging", related=(bucket,))
    return None


def _public_invocation(graph, function: Resource) -> Resource | None:
    """A permission or function URL that lets anyone invoke the function; unknown parts make it unknown."""
    verdict = Verdict()
    for permission in _referrers(graph, function, "aws_lambda_permission", "function_name", verdict):
        with verdict.item():
            if aws_lambda_permission_public(permission):
                return permission
    for url in _referrers(graph, function, "aws_lambda_function_url", "function_name", verdict):
        with verdict.item():
            if url.get("authorization_type") == "NONE":
                return url
    verdict.result()
    return None


# critical: anyone on the internet can run code with administrator credentials of the account
@check(
    id="IG-AWS-109",
    title="Lambda function anyone can invoke runs with an administrator role",
    severity="critical",
    framework="terraform",
    types=["aws_lambda_function"],
    cwe="CWE-250",
    description='A permission with principal "*" (no source ARN, account or organisation) or a function URL with '
    "authorization_type NONE lets anyone invoke the function, and its execution role has administrator access: "
    "one input-handling bug in the function is full control of the AWS account for anyone on the internet.",
    remediation="Authenticate callers (AWS_IAM function URL auth, an API Gateway authorizer, a scoped permission) "
    "and give the function a role with only what it needs.",
    example='resource "aws_lambda_function_url" "api" {\n  function_name      = aws_lambda_function.api.function_name\n'
    '  authorization_type = "AWS_IAM"\n}',
    graph=True,
    tags=("iam", "serverless", "public"),
)
def aws_public_lambda_admin_role(resource, graph):
    entry = _public_invocation(graph, resource)
    if entry is None:
        return None
    roles = _roles_of(graph, resource, "role")
    found = _admin_role_finding(graph, resource, "role", roles, "the function")
    if found is None:
        return None
    return Fail("role", f"anyone can invoke it through {entry.address}, and {found.message}", (entry, *found.related))


# high: anyone with an AWS account runs the function on input they choose
@check(
    id="IG-AWS-114",
    title="Lambda function is subscribed to an SNS topic anyone can publish to",
    severity="high",
    framework="terraform",
    types=["aws_lambda_function"],
    cwe="CWE-346",
    description="An aws_sns_topic_subscription delivers a topic to this function, and the topic's policy lets "
    'Principal "*" publish with no restricting condition: anyone with an AWS account can invoke the function with '
    "a message of their choosing, with the function's role and network access.",
    remediation="Restrict sns:Publish on the topic to the publishers (aws:SourceArn, aws:SourceAccount, "
    "aws:PrincipalOrgID), and validate messages in the function.",
    example='resource "aws_sns_topic_subscription" "resize" {\n  topic_arn = aws_sns_topic.uploads.arn\n'
    '  protocol  = "lambda"\n  endpoint  = aws_lambda_function.resize.arn\n}',
    graph=True,
    tags=("serverless", "public"),
)
def aws_function_fed_by_public_topic(resource, graph):
    return _fed_by_public_topic(graph, resource, "the function")


def _fed_by_public_topic(graph, target: Resource, what: str) -> Fail | None:
    """A subscription of `target` to a topic anyone can publish to."""
    verdict = Verdict()
    for subscription in graph.linked_from(target, "aws_sns_topic_subscription", "endpoint"):
        with verdict.item():
            for topic in referenced(graph, subscription, "aws_sns_topic", "topic_arn"):
                with verdict.item():
                    grant = _publicly_publishable(topic, graph)
                    if grant:
                        message = f"{what} is subscribed to {topic.address} through {subscription.address}"
                        message += ": anyone can publish"
                        return Fail(None, message, related=_distinct(subscription, topic, grant))
    verdict.result()  # raises when a subscription or topic that may be public is unknown
    return None


# critical: a data store or admin service, on a host with a public address, open to the whole internet
@check(
    id="IG-AWS-115",
    title="Internet-reachable EC2 instance exposes a database or remote service port to anyone",
    severity="critical",
    framework="terraform",
    types=["aws_instance"],
    cwe="CWE-284",
    description="The instance has a public IP (associate_public_ip_address, an Elastic IP, or a subnet that maps "
    "public IPs) and one of its security groups admits 0.0.0.0/0 or ::/0 on a database, cache or search port "
    "(MySQL, PostgreSQL, Redis, MongoDB, Elasticsearch...) or a remote service (Telnet, SMB, VNC, the Docker API, "
    "the kubelet...): the service is reachable from the internet, not merely allowed by a rule. SSH and RDP are "
    "IG-AWS-018's.",
    remediation="Remove the public IP (private subnet behind a load balancer) or admit the port only from the "
    "application's security group or known ranges.",
    example='resource "aws_instance" "cache" {\n  ami                         = data.aws_ami.al2023.id\n'
    '  instance_type               = "r6g.large"\n  subnet_id                   = aws_subnet.private.id\n'
    "  associate_public_ip_address = false\n  vpc_security_group_ids      = [aws_security_group.cache.id]\n}",
    graph=True,
    tags=("network", "public"),
)
def aws_public_instance_sensitive_ports(resource, graph):
    verdict = Verdict()
    exposures: list[tuple[Resource, Resource, str]] = []
    for group in referenced(graph, resource, "aws_security_group", "vpc_security_group_ids", "security_groups"):
        with verdict.item():
            for owner, prefix in group_ingress_rules(graph, group, verdict):
                with verdict.item():
                    exposure = aws_rule_exposure(owner, prefix, verdict)
                    if exposure is None:
                        continue
                    cidr, _, protocol, low, high = exposure
                    if aws_all_ports(protocol, low, high):
                        continue  # every port: IG-AWS-003 on the rule; the path is no less real but not this list
                    found = exposed_services(protocol, low, high, (*DATA_SERVICES, *REMOTE_SERVICES))
                    if found:
                        exposures.append((group, owner, f"{', '.join(found[:3])} from {cidr} via {group.address}"))
    if not exposures:
        return verdict.result()
    public = instance_public_ip(graph, resource)
    if public is None:
        return None
    attribute, reason, via = public
    group, owner, text = exposures[0]
    at = attribute or next(p for p in ("vpc_security_group_ids", "security_groups") if resource.get(p) is not None)
    related = _distinct(*(r for r in (group, owner, *via) if r is not resource))
    return Fail(at, f"public instance ({reason}) admits {text}", related=related)
