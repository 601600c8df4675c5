"""AWS service checks whose risk is a relationship between resources, read from the graph's `references` edges.

A public subnet is one whose route table (through an aws_route_table_association) has a default route to an
internet gateway; a load balancer's exposure follows listener -> target group; an API method's backend follows
the integration that references it. When the link that decides the answer is not in the configuration (a
variable, a resource managed elsewhere), the check answers unknown.
"""

from __future__ import annotations

from checks._helpers import (
    ADMIN_PORTS,
    Verdict,
    as_int,
    aws_ebs_default_encryption,
    block_paths,
    configured,
    first_block,
    is_true,
    is_world_cidr,
    public_statements,
    written,
)
from checks.aws_compute import privileged_containers
from checks.terraform_aws import aws_ebs_unencrypted, aws_rds_unencrypted
from scanner.fix.spec import SetValue
from scanner.records import Resource, UnknownValue
from scanner.registry import Fail, check

LISTENERS = ["aws_lb_listener", "aws_alb_listener"]
LOAD_BALANCERS = ("aws_lb", "aws_alb")
TARGET_GROUPS = ("aws_lb_target_group", "aws_alb_target_group")


def _links_to(graph, resource: Resource, attribute: str, type: str | None = None) -> list[Resource]:
    """Resources (of `type`) that the resource's `attribute` links to.

    Unknown when part of the value cannot be followed and nothing it names is found (a variable without a value,
    the id of something created elsewhere); a literal copy of a referenced resource's own identifier
    (`db_instance_identifier = aws_db_instance.app.identifier`) is explained by the reference itself."""
    links = graph.links(resource, attribute, type)
    if links.targets or links.unknown is None:
        return links.targets
    raise links.unknown


def _evidence(graph, resource: Resource, attribute: str, type: str) -> list[Resource]:
    """Resources of `type` that `attribute` certainly links to; for facts that only name or exempt."""
    return graph.links(resource, attribute, type).targets


def _load_balancer(graph, listener: Resource) -> Resource:
    """The load balancer of a listener; unknown when it is not in the configuration."""
    for kind in LOAD_BALANCERS:
        found = _evidence(graph, listener, "load_balancer_arn", kind)
        if found:
            return found[0]
    unknown = graph.links(listener, "load_balancer_arn").unknown
    raise unknown or UnknownValue("load_balancer_arn", "the load balancer (internal or internet-facing) is not known")


def _forwarded_groups(graph, listener: Resource, verdict: Verdict) -> list[Resource]:
    """Target groups the listener's default actions forward to (target_group_arn or forward blocks)."""
    groups: dict[str, Resource] = {}
    for action in block_paths(listener, "default_action", verdict):
        for attribute in (f"{action}.target_group_arn", f"{action}.forward"):
            for kind in TARGET_GROUPS:
                with verdict.item():
                    groups.update((g.key, g) for g in _links_to(graph, listener, attribute, kind))
    return [groups[k] for k in sorted(groups)]


def _admin_port(value) -> str | None:
    port = as_int(value)
    return f"{ADMIN_PORTS[port]} ({port})" if port in ADMIN_PORTS else None


# critical: remote administration of the targets is published on an internet-facing load balancer
@check(
    id="IG-AWS-190",
    title="Internet-facing load balancer forwards to SSH or RDP on its targets",
    severity="critical",
    framework="terraform",
    types=LISTENERS,
    cwe="CWE-284",
    description="A listener of an internet-facing load balancer (internal = false, the default) that forwards to a "
    "target group - or a target attachment - on port 22 or 3389 publishes the targets' SSH or RDP service to the "
    "whole internet, whatever their security groups allow from elsewhere.",
    remediation="Remove the listener, or make the load balancer internal; reach instances through Session Manager, "
    "EC2 Instance Connect Endpoint or a VPN instead.",
    example='resource "aws_lb_listener" "https" {\n  load_balancer_arn = aws_lb.web.arn\n  port              = 443\n'
    '  protocol          = "HTTPS"\n  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"\n'
    '  certificate_arn   = "arn:aws:acm:eu-west-1:123456789012:certificate/4f1c2d3e"\n\n  default_action {\n'
    '    type             = "forward"\n    target_group_arn = aws_lb_target_group.web.arn\n  }\n}\n\n'
    'resource "aws_lb" "web" {\n  name    = "web"\n  subnets = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]\n}\n\n'
    'resource "aws_lb_target_group" "web" {\n  name     = "web"\n  port     = 8080\n  protocol = "HTTP"\n'
    '  vpc_id   = "vpc-0a1b2c3d"\n}',
    graph=True,
    tags=("network", "public"),
)
def aws_lb_publishes_admin_port(resource, graph):
    exposures: list[tuple[str, tuple[Resource, ...]]] = []
    verdict = Verdict()
    for group in _forwarded_groups(graph, resource, verdict):
        with verdict.item():
            port = _admin_port(group.get("port"))
            if port:
                exposures.append((f"target group {group.address} on {port}", (group,)))
        with verdict.item():
            for attachment in graph.linked_from(group, "aws_lb_target_group_attachment", "target_group_arn"):
                with verdict.item():
                    port = _admin_port(attachment.get("port"))
                    if port:
                        exposures.append((f"target {attachment.address} on {port}", (group, attachment)))
    if not exposures:
        return verdict.result()
    lb = _load_balancer(graph, resource)
    if is_true(lb.get("internal")):
        return None
    text, related = exposures[0]
    return Fail("default_action", f"internet-facing {lb.address} forwards to {text}", related=(lb, *related))


SUBNET_GROUPS = [
    "aws_db_subnet_group",
    "aws_elasticache_subnet_group",
    "aws_redshift_subnet_group",
    "aws_docdb_subnet_group",
    "aws_neptune_subnet_group",
    "aws_memorydb_subnet_group",
    "aws_dms_replication_subnet_group",
]


def _gateway(graph, owner: Resource, path: str) -> Resource | None:
    """The internet gateway at `path` (a route's gateway_id): the aws_internet_gateway, or the route's owner for a
    literal igw- id; None for another kind of gateway. Unknown when the value cannot be followed."""
    linked = graph.links(owner, path).targets
    gateways = [g for g in linked if g.type == "aws_internet_gateway"]
    if gateways or linked:
        return gateways[0] if gateways else None  # a resource of another kind: a virtual private gateway...
    value = owner.get(path)  # a variable without a value raises: it could be an internet gateway
    return owner if isinstance(value, str) and value.startswith("igw-") else None


def _internet_route(graph, table: Resource) -> Resource | None:
    """The internet gateway a route table sends the default route (0.0.0.0/0 or ::/0) to, if any."""
    for path in block_paths(table, "route"):
        if any(is_world_cidr(table.get(f"{path}.{a}", "")) for a in ("cidr_block", "ipv6_cidr_block")):
            gateway = _gateway(graph, table, f"{path}.gateway_id")
            if gateway is not None:
                return gateway
    for route in graph.linked_from(table, "aws_route", "route_table_id"):
        destination = route.get("destination_cidr_block") or route.get("destination_ipv6_cidr_block")
        if is_world_cidr(destination):
            gateway = _gateway(graph, route, "gateway_id")
            if gateway is not None:
                return gateway
    return None


def _public_route(graph, subnet: Resource) -> tuple[Resource, Resource] | None:
    """(route table, internet gateway) when the subnet's associated route table routes to the internet."""
    for association in graph.linked_from(subnet, "aws_route_table_association", "subnet_id"):
        tables = _links_to(graph, association, "route_table_id", "aws_route_table")
        if not tables:
            raise UnknownValue("subnet_ids", f"route table of {association.address} is not known")
        for table in tables:
            gateway = _internet_route(graph, table)
            if gateway is not None:
                return table, gateway
    return None


# medium: the data store's network placement allows a public endpoint or a route from the internet
@check(
    id="IG-AWS-191",
    title="Database or cache subnet group includes a public subnet",
    severity="medium",
    framework="terraform",
    types=SUBNET_GROUPS,
    cwe="CWE-668",
    description="A subnet group (RDS, ElastiCache, Redshift, DocumentDB, Neptune, MemoryDB, DMS) that contains a "
    "subnet whose route table sends 0.0.0.0/0 to an internet gateway places the data store where one "
    "publicly_accessible flag or one loose security group rule is enough to expose it to the internet.",
    remediation="Build the subnet group from private (or dedicated database) subnets whose route tables have no "
    "internet gateway route.",
    example='resource "aws_db_subnet_group" "app" {\n  name       = "app"\n  subnet_ids = [aws_subnet.data.id]\n}\n\n'
    'resource "aws_subnet" "data" {\n  vpc_id     = "vpc-0a1b2c3d"\n  cidr_block = "10.0.20.0/24"\n}\n\n'
    'resource "aws_route_table" "data" {\n  vpc_id = "vpc-0a1b2c3d"\n}\n\n'
    'resource "aws_route_table_association" "data" {\n  subnet_id      = aws_subnet.data.id\n'
    "  route_table_id = aws_route_table.data.id\n}",
    graph=True,
    tags=("network", "database"),
)
def aws_subnet_group_public(resource, graph):
    links = graph.links(resource, "subnet_ids", "aws_subnet")
    verdict = Verdict()
    for subnet in links.targets:
        with verdict.item():
            public = _public_route(graph, subnet)
            if public:
                table, gateway = public
                verdict.fail(
                    "subnet_ids",
                    f"{subnet.address} is public: {table.address} routes 0.0.0.0/0 to {gateway.address}",
                    related=(subnet, table) + ((gateway,) if gateway is not table else ()),
                )
    if links.unknown is not None:
        verdict.unknown(links.unknown.path, links.unknown.reason)
    return verdict.result()


def _method_integrations(graph, method: Resource) -> list[Resource]:
    """Integrations of a REST API method: those referencing it, or its resource with the same HTTP method."""
    found = graph.linked_from(method, "aws_api_gateway_integration", "http_method")
    if found:
        return found
    for api_resource in _evidence(graph, method, "resource_id", "aws_api_gateway_resource"):
        for integration in graph.linked_from(api_resource, "aws_api_gateway_integration", "resource_id"):
            if integration.get("http_method") == method.get("http_method"):
                found.append(integration)
    return found


def _backend(graph, integration: Resource, type_path: str, uri_path: str) -> tuple[str, tuple[Resource, ...]] | None:
    """What an integration calls: ("Lambda x", related) or ("HTTP backend", ()); None for MOCK integrations."""
    kind = str(integration.get(type_path) or "").upper()
    if kind == "MOCK":
        return None
    functions = _evidence(graph, integration, uri_path, "aws_lambda_function") + _evidence(
        graph, integration, uri_path, "aws_lambda_alias"
    )
    if functions:
        return f"Lambda {functions[0].address}", (integration, functions[0])
    uri = integration.get(uri_path)
    if isinstance(uri, str) and ":lambda:" in uri:
        return "a Lambda function", (integration,)
    return f"the {kind or 'unknown-type'} integration {integration.address}", (integration,)


# high: anyone on the internet can invoke the backend through the API with no identity
@check(
    id="IG-AWS-192",
    title="API Gateway method or route without authorization invokes a backend",
    severity="high",
    framework="terraform",
    types=["aws_api_gateway_method", "aws_apigatewayv2_route"],
    cwe="CWE-306",
    description='A REST API method with authorization = "NONE" and no API key, or an HTTP API route with '
    'authorization_type "NONE" (the default), lets anyone on the internet call the integration behind it - a '
    "Lambda function or an HTTP backend - with any payload. MOCK integrations and CORS preflight (OPTIONS) methods "
    "are not reported; the severity is medium for a non-Lambda backend.",
    remediation="Attach an authorizer (IAM, Cognito, JWT or Lambda authorizer), or require an API key with a usage "
    "plan for machine clients; keep NONE only for endpoints that authenticate requests themselves.",
    example='resource "aws_api_gateway_method" "orders_get" {\n  rest_api_id   = aws_api_gateway_rest_api.shop.id\n'
    '  resource_id   = aws_api_gateway_resource.orders.id\n  http_method   = "GET"\n'
    '  authorization = "COGNITO_USER_POOLS"\n  authorizer_id = aws_api_gateway_authorizer.users.id\n}',
    graph=True,
    tags=("public", "iam"),
)
def aws_apigw_unauthenticated_backend(resource, graph):
    if resource.type == "aws_api_gateway_method":
        if str(resource.get("http_method", "")).upper() == "OPTIONS":
            return None
        if str(resource.get("authorization", "")).upper() != "NONE" or is_true(resource.get("api_key_required")):
            return None
        integrations = _method_integrations(graph, resource)
        at, paths = "authorization", ("type", "uri")
    else:
        if not _v2_route_takes_authorization(graph, resource):
            return None
        if str(resource.get("authorization_type") or "NONE").upper() != "NONE":
            return None
        integrations = _links_to(graph, resource, "target", "aws_apigatewayv2_integration")
        at, paths = written(resource, "authorization_type"), ("integration_type", "integration_uri")
    if not integrations:
        raise UnknownValue("integration", "the integration behind it is not in this configuration")
    verdict = Verdict()
    for integration in integrations:
        with verdict.item():
            backend = _backend(graph, integration, *paths)
            if backend:
                text, related = backend
                severity = None if "Lambda" in text else "medium"  # a Lambda runs with its role's permissions
                verdict.fails.append(Fail(at, f"no authorization: anyone can invoke {text}", related, severity))
    return verdict.result()


def _v2_route_takes_authorization(graph, route: Resource) -> bool:
    """WebSocket APIs authorize only their $connect route; HTTP API routes all take an authorizer."""
    key = str(route.get("route_key", ""))
    if key == "$connect":
        return True
    apis = _evidence(graph, route, "api_id", "aws_apigatewayv2_api")
    if apis:
        return str(apis[0].get("protocol_type", "")).upper() != "WEBSOCKET"
    return not key.startswith("$") or key == "$default"


# critical: a privileged container on a public IP: one application bug owns the host
@check(
    id="IG-AWS-193",
    title="ECS service with a public IP runs a privileged task definition",
    severity="critical",
    framework="terraform",
    types=["aws_ecs_service"],
    cwe="CWE-250",
    description="The service gives its tasks a public IP address (assign_public_ip = true) and runs a task "
    "definition whose containers are privileged or add host-level capabilities: a remotely exploitable bug in "
    "the application is a direct path from the internet to root on the container instance.",
    remediation="Set assign_public_ip = false behind a load balancer, and drop privileged mode and added "
    "capabilities from the task definition.",
    example='resource "aws_ecs_service" "api" {\n  name            = "api"\n  cluster         = "main"\n'
    '  task_definition = "api:12"\n  desired_count   = 2\n  launch_type     = "FARGATE"\n\n'
    '  network_configuration {\n    subnets          = ["subnet-0a1b2c3d"]\n    assign_public_ip = false\n  }\n}',
    graph=True,
    tags=("containers", "network", "public"),
)
def aws_ecs_public_privileged(resource, graph):
    block = first_block(resource, "network_configuration")
    if block is None or not is_true(resource.get(f"{block}.assign_public_ip")):
        return None
    definitions = _links_to(graph, resource, "task_definition", "aws_ecs_task_definition")
    if not definitions:
        raise UnknownValue("task_definition", "the task definition is not in this configuration")
    verdict = Verdict()
    for definition in definitions:
        with verdict.item():
            for fail in privileged_containers(definition) or []:
                message = f"tasks get a public IP and {definition.address}: {fail.message}"
                verdict.fail(f"{block}.assign_public_ip", message, related=(definition,))
                break
    return verdict.result()


def _unencrypted_source(graph, snapshot: Resource, attribute: str) -> Resource | None:
    """The unencrypted volume, database or snapshot a snapshot is taken or copied from, if any."""
    for source in _links_to(graph, snapshot, attribute):
        if source.type == "aws_ebs_volume" and aws_ebs_unencrypted(source, graph):
            return source
        if source.type in ("aws_db_instance", "aws_rds_cluster") and aws_rds_unencrypted(source):
            return source
        if source.type == "aws_ebs_snapshot" and _unencrypted_source(graph, source, "volume_id"):
            return source
    return None


SNAPSHOT_SOURCES = {
    "aws_ebs_snapshot": "volume_id",
    "aws_ebs_snapshot_copy": "source_snapshot_id",
    "aws_db_snapshot": "db_instance_identifier",
    "aws_db_cluster_snapshot": "db_cluster_identifier",
}


# medium: a copy of data at rest in clear, easy to share or restore elsewhere
@check(
    id="IG-AWS-194",
    title="Snapshot of an unencrypted volume or database is unencrypted",
    severity="medium",
    framework="terraform",
    types=list(SNAPSHOT_SOURCES),
    cwe="CWE-311",
    description="A snapshot inherits the encryption of its source: a snapshot of an unencrypted EBS volume or RDS "
    "database (and a snapshot copy without encrypted = true of an unencrypted snapshot) stores a full copy of the "
    "data in clear, one sharing mistake away from any other account.",
    remediation="Encrypt the source (IG-AWS-005, IG-AWS-006); for EBS copies set encrypted = true with kms_key_id, "
    "which encrypts the copy even when its source is not.",
    example='resource "aws_ebs_snapshot_copy" "offsite" {\n  source_snapshot_id = "snap-0a1b2c3d4e5f67890"\n'
    '  source_region      = "eu-west-1"\n  encrypted          = true\n'
    '  kms_key_id         = "arn:aws:kms:eu-central-1:123456789012:key/4f1c2d3e-5a6b-7c8d-9e0f-1a2b3c4d5e6f"\n}',
    graph=True,
    tags=("encryption",),
)
def aws_snapshot_of_unencrypted(resource, graph):
    if resource.type == "aws_ebs_snapshot_copy":
        if is_true(resource.get("encrypted")):
            return None
        if aws_ebs_default_encryption(graph, resource) is not None:
            return None  # copies of unencrypted snapshots are encrypted when encryption by default is on
    attribute = SNAPSHOT_SOURCES[resource.type]
    source = _unencrypted_source(graph, resource, attribute)
    if source is None:
        return None
    return Fail(attribute, f"its source {source.address} is unencrypted, so this snapshot is too", related=(source,))


def _launch_volumes(resource: Resource, verdict: Verdict) -> None:
    """Fails for the unencrypted volumes a launch configuration or launch template defines."""
    if resource.type == "aws_launch_configuration":
        for name in ("root_block_device", "ebs_block_device"):
            for path in block_paths(resource, name, verdict):
                with verdict.item():
                    if not is_true(resource.get(f"{path}.encrypted")) and not resource.get(f"{path}.snapshot_id"):
                        verdict.fail(written(resource, f"{path}.encrypted", path), f"{name} is not encrypted")
        with verdict.item():
            if first_block(resource, "root_block_device") is None:
                verdict.fail(None, "no root_block_device: the root volume is only as encrypted as the AMI's snapshot")
        return
    for mapping in block_paths(resource, "block_device_mappings", verdict):
        for ebs in block_paths(resource, f"{mapping}.ebs", verdict):
            with verdict.item():
                if not is_true(resource.get(f"{ebs}.encrypted")) and not resource.get(f"{ebs}.snapshot_id"):
                    verdict.fail(written(resource, f"{ebs}.encrypted", ebs), "EBS volume is not encrypted")


# medium: every instance launched from it gets volumes in clear
@check(
    id="IG-AWS-195",
    title="Launch configuration or launch template defines unencrypted EBS volumes",
    severity="medium",
    framework="terraform",
    types=["aws_launch_configuration", "aws_launch_template"],
    cwe="CWE-311",
    description="Every instance an Auto Scaling group launches from this template gets the volumes it defines: "
    "an ebs block without encrypted = true (false by default, unless it restores an encrypted snapshot) stores "
    "each instance's data in clear. Nothing is reported when the same configuration turns on "
    "aws_ebs_encryption_by_default.",
    remediation="Set encrypted = true (and kms_key_id) in each ebs / root_block_device / ebs_block_device block, or "
    "enable aws_ebs_encryption_by_default.",
    example='resource "aws_launch_template" "workers" {\n  name_prefix   = "workers-"\n'
    '  image_id      = "ami-0c55b159cbfafe1f0"\n  instance_type = "m6i.large"\n\n  block_device_mappings {\n'
    '    device_name = "/dev/xvda"\n    ebs {\n      volume_size = 50\n      encrypted   = true\n    }\n  }\n}',
    graph=True,
    tags=("encryption",),
)
def aws_launch_volumes_unencrypted(resource, graph):
    verdict = Verdict()
    _launch_volumes(resource, verdict)
    if verdict.fails and aws_ebs_default_encryption(graph, resource) is not None:
        return None
    return verdict.result()


def _private_api(graph, stage: Resource) -> bool:
    """Whether the stage belongs to a PRIVATE REST API (reachable only through interface VPC endpoints)."""
    for api in _evidence(graph, stage, "rest_api_id", "aws_api_gateway_rest_api"):
        block = first_block(api, "endpoint_configuration")
        if block and any(str(t).upper() == "PRIVATE" for t in api.get(f"{block}.types") or []):
            return True
    return False


WAF_ASSOCIATIONS = ("aws_wafv2_web_acl_association", "aws_wafregional_web_acl_association")


def _waf_associated(graph, resource: Resource) -> bool:
    return any(graph.linked_from(resource, kind, "resource_arn") for kind in WAF_ASSOCIATIONS)


# low: defence in depth on an internet-facing HTTP entry point
@check(
    id="IG-AWS-196",
    title="Internet-facing application load balancer or API stage has no WAF web ACL",
    severity="low",
    framework="terraform",
    types=["aws_lb", "aws_alb", "aws_api_gateway_stage"],
    cwe="CWE-693",
    description="No aws_wafv2_web_acl_association references this internet-facing application load balancer or "
    "REST API stage, so requests reach the application without managed rules against common exploits, rate "
    "limiting or IP reputation filtering. Internal and network load balancers, and stages of private REST APIs, are "
    "not reported.",
    remediation="Associate a regional aws_wafv2_web_acl (aws_wafv2_web_acl_association with resource_arn = the load "
    "balancer's or stage's ARN).",
    example='resource "aws_lb" "web" {\n  name    = "web"\n  subnets = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]\n}\n\n'
    'resource "aws_wafv2_web_acl_association" "web" {\n  resource_arn = aws_lb.web.arn\n'
    '  web_acl_arn  = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/web/4f1c2d3e"\n}',
    graph=True,
    tags=("network",),
)
def aws_edge_without_waf(resource, graph):
    if resource.type != "aws_api_gateway_stage":
        if str(resource.get("load_balancer_type") or "application").lower() != "application":
            return None
        if is_true(resource.get("internal")):
            return None
    elif _private_api(graph, resource):
        return None
    if _waf_associated(graph, resource):
        return None
    return Fail(None, "no WAF web ACL is associated: requests are not filtered")


# low: logging gap on the filtering layer
@check(
    id="IG-AWS-197",
    title="WAF web ACL has no logging configuration",
    severity="low",
    framework="terraform",
    types=["aws_wafv2_web_acl"],
    cwe="CWE-778",
    description="Without an aws_wafv2_web_acl_logging_configuration the web ACL keeps only sampled requests for "
    "three hours: blocked attacks, rule matches and the requests allowed through cannot be investigated.",
    remediation="Add an aws_wafv2_web_acl_logging_configuration with resource_arn = the web ACL's ARN and a CloudWatch "
    "log group (aws-waf-logs-*), S3 bucket or Firehose stream as destination.",
    example='resource "aws_wafv2_web_acl" "api" {\n  name  = "api"\n  scope = "REGIONAL"\n\n  default_action {\n'
    "    block {}\n  }\n\n  visibility_config {\n    cloudwatch_metrics_enabled = true\n"
    '    metric_name                = "api"\n    sampled_requests_enabled   = true\n  }\n}\n\n'
    'resource "aws_wafv2_web_acl_logging_configuration" "api" {\n'
    "  resource_arn            = aws_wafv2_web_acl.api.arn\n"
    '  log_destination_configs = ["arn:aws:logs:eu-west-1:123456789012:log-group:aws-waf-logs-api"]\n}',
    graph=True,
    tags=("logging",),
)
def aws_waf_no_logging(resource, graph):
    if graph.linked_from(resource, "aws_wafv2_web_acl_logging_configuration", "resource_arn"):
        return None
    return Fail(None, "no logging configuration references this web ACL")


def _registry_scans_on_push(graph, repository: Resource) -> Resource | None:
    """A registry scanning configuration in the same root that scans pushed images (basic scan-on-push rules or
    enhanced scanning)."""
    for config in graph.resources("terraform", "aws_ecr_registry_scanning_configuration"):
        if config.scope != repository.scope:
            continue
        if str(config.get("scan_type", "")).upper() == "ENHANCED":
            return config
        for rule in block_paths(config, "rule"):
            if str(config.get(f"{rule}.scan_frequency", "")).upper() in ("SCAN_ON_PUSH", "CONTINUOUS_SCAN"):
                return config
    return None


# low: vulnerable images are pushed and deployed without anyone being told
@check(
    id="IG-AWS-198",
    title="ECR repository does not scan images on push",
    severity="low",
    framework="terraform",
    types=["aws_ecr_repository"],
    cwe="CWE-1104",
    description="With scan_on_push off (the default) and no registry-level scanning configuration in the same "
    "configuration, images with known vulnerabilities are stored and deployed without a finding.",
    remediation="Set image_scanning_configuration { scan_on_push = true }, or add an "
    'aws_ecr_registry_scanning_configuration with scan_type = "ENHANCED" (Amazon Inspector).',
    example='resource "aws_ecr_repository" "api" {\n  name                 = "api"\n'
    '  image_tag_mutability = "IMMUTABLE"\n\n'
    "  image_scanning_configuration {\n    scan_on_push = true\n  }\n}",
    graph=True,
    tags=("containers",),
    fix=SetValue("image_scanning_configuration.0.scan_on_push", True),
)
def aws_ecr_no_scan_on_push(resource, graph):
    block = first_block(resource, "image_scanning_configuration")
    if block is not None and is_true(resource.get(f"{block}.scan_on_push")):
        return None
    if _registry_scans_on_push(graph, resource) is not None:
        return None
    at = written(resource, f"{block}.scan_on_push", block) if block else None
    return Fail(at, "images are not scanned on push")


SEARCH_POLICIES = {
    "aws_opensearch_domain": "aws_opensearch_domain_policy",
    "aws_elasticsearch_domain": "aws_elasticsearch_domain_policy",
}


# critical: the domain's data readable (and writable) by anyone on the internet
@check(
    id="IG-AWS-199",
    title="OpenSearch domain outside a VPC has an access policy open to everyone",
    severity="critical",
    framework="terraform",
    types=list(SEARCH_POLICIES),
    cwe="CWE-284",
    description="A domain without vpc_options has a public endpoint; an access policy (inline access_policies or a "
    'domain policy resource) that allows Principal "*" without a source IP, VPC or account condition lets anyone '
    "on the internet search, read and often write or delete its indices.",
    remediation="Place the domain in a VPC (vpc_options), or restrict the policy to named IAM principals or source "
    "IP ranges, and enable fine-grained access control.",
    example='resource "aws_opensearch_domain" "search" {\n  domain_name    = "search"\n'
    '  engine_version = "OpenSearch_2.13"\n\n'
    '  vpc_options {\n    subnet_ids         = ["subnet-0a1b2c3d"]\n'
    '    security_group_ids = ["sg-0a1b2c3d4e5f"]\n  }\n}',
    graph=True,
    tags=("public",),
)
def aws_search_public_policy(resource, graph):
    if first_block(resource, "vpc_options") is not None:
        return None
    holders = [(resource, "access_policies")]
    policies = graph.linked_from(resource, SEARCH_POLICIES[resource.type], "domain_name")
    holders += [(policy, "access_policies") for policy in policies]
    verdict = Verdict()
    for holder, path in holders:
        with verdict.item():
            found = public_statements(holder, path)
            if found:
                related = () if resource.same(holder) else (holder,)
                at = path if holder is resource else None
                verdict.fail(at, f"no VPC and policy statement {', '.join(found)} allows everyone", related=related)
    return verdict.result()


# low: the backend cannot tell API Gateway's calls from anyone else's
@check(
    id="IG-AWS-200",
    title="API Gateway stage calls HTTP backends without a client certificate",
    severity="low",
    framework="terraform",
    types=["aws_api_gateway_stage"],
    cwe="CWE-295",
    description="The stage's REST API has HTTP or HTTP_PROXY integrations, but the stage has no "
    "client_certificate_id: the backend cannot verify that requests come from API Gateway, so anyone who finds "
    "the backend's address can bypass the API's authorization, throttling and WAF.",
    remediation="Create an aws_api_gateway_client_certificate, set client_certificate_id on the stage, and make the "
    "backend require that certificate (or use a private integration through a VPC link).",
    example='resource "aws_api_gateway_stage" "prod" {\n  rest_api_id           = "a1b2c3d4e5"\n'
    '  deployment_id         = "dep123"\n  stage_name            = "prod"\n'
    "  client_certificate_id = aws_api_gateway_client_certificate.backend.id\n}\n\n"
    'resource "aws_api_gateway_client_certificate" "backend" {\n  description = "backend mTLS"\n}',
    graph=True,
    tags=("network",),
)
def aws_apigw_stage_no_client_cert(resource, graph):
    if configured(resource, "client_certificate_id"):
        return None
    verdict = Verdict()
    for api in _links_to(graph, resource, "rest_api_id", "aws_api_gateway_rest_api"):
        for integration in graph.linked_from(api, "aws_api_gateway_integration", "rest_api_id"):
            with verdict.item():
                kind = str(integration.get("type", "")).upper()
                public_backend = str(integration.get("connection_type") or "INTERNET").upper() == "INTERNET"
                if kind in ("HTTP", "HTTP_PROXY") and public_backend:
                    message = f"{integration.address} calls an HTTP backend that cannot authenticate API Gateway"
                    return Fail(None, message, related=(integration,))
    return verdict.result()


# low: logging gap on the edge
@check(
    id="IG-AWS-201",
    title="CloudFront distribution has no access logging",
    severity="low",
    framework="terraform",
    types=["aws_cloudfront_distribution"],
    cwe="CWE-778",
    description="Without a logging_config block (legacy standard logs) or a CloudWatch log delivery source for the "
    "distribution (standard logging v2), there is no record of the requests CloudFront served to investigate "
    "abuse or a data leak.",
    remediation="Add logging_config { bucket = ... } or an aws_cloudwatch_log_delivery_source with resource_arn = the "
    "distribution's ARN and a delivery to CloudWatch Logs, S3 or Firehose.",
    example='resource "aws_cloudfront_distribution" "site" {\n  enabled = true\n\n  logging_config {\n'
    '    bucket = "company-cf-logs.s3.amazonaws.com"\n    prefix = "site/"\n  }\n\n  origin {\n'
    '    domain_name              = "company-site.s3.eu-west-1.amazonaws.com"\n    origin_id                = "site"\n'
    '    origin_access_control_id = "E2QWRUHAPOMQZL"\n  }\n\n  default_cache_behavior {\n'
    '    target_origin_id       = "site"\n    viewer_protocol_policy = "redirect-to-https"\n'
    '    allowed_methods        = ["GET", "HEAD"]\n    cached_methods         = ["GET", "HEAD"]\n  }\n\n'
    '  restrictions {\n    geo_restriction {\n      restriction_type = "none"\n    }\n  }\n\n'
    "  viewer_certificate {\n    cloudfront_default_certificate = true\n  }\n}",
    graph=True,
    tags=("logging",),
)
def aws_cloudfront_no_logging(resource, graph):
    if first_block(resource, "logging_config") is not None:
        return None
    if graph.linked_from(resource, "aws_cloudwatch_log_delivery_source", "resource_arn"):
        return None
    return Fail(None, "no access logging: requests served by the distribution are not recorded")


# low: logging gap on the data warehouse
@check(
    id="IG-AWS-212",
    title="Redshift cluster has no audit logging",
    severity="low",
    framework="terraform",
    types=["aws_redshift_cluster"],
    cwe="CWE-778",
    description="Without audit logging - an aws_redshift_logging resource for the cluster, or the deprecated inline "
    "logging block - there is no record of connections, user changes and queries to investigate who read the "
    "warehouse's data.",
    remediation="Add an aws_redshift_logging with cluster_identifier = the cluster and log_destination_type = "
    '"cloudwatch" (log_exports = ["connectionlog", "userlog", "useractivitylog"]) or "s3".',
    example='resource "aws_redshift_cluster" "analytics" {\n  cluster_identifier = "analytics"\n'
    '  node_type          = "ra3.xlplus"\n  encrypted          = true\n}\n\n'
    'resource "aws_redshift_logging" "analytics" {\n  cluster_identifier   = aws_redshift_cluster.analytics.id\n'
    '  log_destination_type = "cloudwatch"\n  log_exports          = ["connectionlog", "userlog", "useractivitylog"]\n'
    "}",
    graph=True,
    tags=("logging", "database"),
)
def aws_redshift_no_audit_logging(resource, graph):
    if graph.linked_from(resource, "aws_redshift_logging", "cluster_identifier"):
        return None
    block = first_block(resource, "logging")
    if block is not None and is_true(resource.get(f"{block}.enable")):
        return None
    at = written(resource, f"{block}.enable", block) if block else None
    return Fail(at, "audit logging is not enabled")


# low: a compromised administrator (or ransomware with its credentials) can delete every recovery point
@check(
    id="IG-AWS-217",
    title="AWS Backup vault has no vault lock",
    severity="low",
    framework="terraform",
    types=["aws_backup_vault"],
    cwe="CWE-693",
    description="Without an aws_backup_vault_lock_configuration for the vault, anyone allowed to delete recovery "
    "points - including an attacker holding an administrator's credentials - can erase the backups before "
    "encrypting or deleting the data they protect.",
    remediation="Add an aws_backup_vault_lock_configuration with backup_vault_name = the vault's name and a "
    "min_retention_days (with changeable_for_days, to reach compliance mode once tested).",
    example='resource "aws_backup_vault" "main" {\n  name        = "main"\n  kms_key_arn = aws_kms_key.backup.arn\n}\n'
    "\n"
    'resource "aws_backup_vault_lock_configuration" "main" {\n  backup_vault_name   = aws_backup_vault.main.name\n'
    "  min_retention_days  = 7\n  max_retention_days  = 365\n  changeable_for_days = 3\n}",
    graph=True,
    tags=("backup",),
)
def aws_backup_vault_unlocked(resource, graph):
    if graph.linked_from(resource, "aws_backup_vault_lock_configuration", "backup_vault_name"):
        return None
    return Fail(None, "no vault lock: recovery points can be deleted before their retention ends")
