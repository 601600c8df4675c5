"""AWS network exposure: sensitive services open to the internet, network ACLs, default security groups,
public IP addresses, VPC flow logs and VPC endpoint policies.

Security group rules are walked by the one world-open ingress walk (`aws_ingress_rules` and
`aws_rule_exposure` in _helpers) that IG-AWS-002/003 use; only the ports each check looks for differ.
"""

from __future__ import annotations

import ipaddress
from functools import partial

from checks._helpers import (
    Verdict,
    aws_all_ports,
    aws_ingress_rules,
    aws_protocol_all,
    aws_rule_exposure,
    block_paths,
    covers_port,
    decide_any,
    element_paths,
    first_block,
    is_true,
    is_world_cidr,
    policy_document,
    policy_statements,
    public_grant,
    referenced,
    written,
)
from checks.terraform_aws import SG_TYPES
from scanner.fix.spec import SetValue
from scanner.records import Resource, UnknownValue
from scanner.registry import Fail, check

# (port, service, protocols): remote administration and legacy clear-text services (SSH/RDP are IG-AWS-002).
REMOTE_SERVICES = (
    (20, "FTP data", ("tcp",)),
    (21, "FTP", ("tcp",)),
    (23, "Telnet", ("tcp",)),
    (135, "MS RPC", ("tcp",)),
    (137, "NetBIOS", ("udp",)),
    (138, "NetBIOS", ("udp",)),
    (139, "NetBIOS", ("tcp",)),
    (161, "SNMP", ("udp",)),
    (389, "LDAP", ("tcp", "udp")),
    (445, "SMB", ("tcp",)),
    (636, "LDAPS", ("tcp",)),
    (2375, "Docker API", ("tcp",)),
    (2376, "Docker API (TLS)", ("tcp",)),
    (2379, "etcd", ("tcp",)),
    (2380, "etcd peer", ("tcp",)),
    (5900, "VNC", ("tcp",)),
    (5985, "WinRM", ("tcp",)),
    (5986, "WinRM (TLS)", ("tcp",)),
    (6443, "Kubernetes API", ("tcp",)),
    (10250, "kubelet", ("tcp",)),
)
# Databases, caches, search engines, queues and file shares that should only be reachable privately. Ports
# inside the usual alternative-HTTP range (8080-8090, e.g. InfluxDB 8086) are left out: a rule for a web range
# is no evidence of a data store.
DATA_SERVICES = (
    (1433, "SQL Server", ("tcp",)),
    (1521, "Oracle", ("tcp",)),
    (2049, "NFS", ("tcp", "udp")),
    (2181, "ZooKeeper", ("tcp",)),
    (3306, "MySQL", ("tcp",)),
    (5432, "PostgreSQL", ("tcp",)),
    (5439, "Redshift", ("tcp",)),
    (5601, "Kibana", ("tcp",)),
    (5672, "RabbitMQ", ("tcp",)),
    (5984, "CouchDB", ("tcp",)),
    (6379, "Redis", ("tcp",)),
    (7000, "Cassandra", ("tcp",)),
    (9042, "Cassandra CQL", ("tcp",)),
    (9092, "Kafka", ("tcp",)),
    (9200, "Elasticsearch", ("tcp",)),
    (9300, "Elasticsearch transport", ("tcp",)),
    (11211, "Memcached", ("tcp", "udp")),
    (27017, "MongoDB", ("tcp",)),
    (27018, "MongoDB", ("tcp",)),
)
PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "tcp": "tcp", "udp": "udp"}


def exposed_services(protocol, from_port, to_port, services) -> list[str]:
    """`services` ("MySQL (3306)") a rule's protocol and port range reach."""
    name = PROTOCOL_NAMES.get(str(protocol).strip().lower())
    if name is None:
        return []
    found = [
        f"{svc} ({port})" for port, svc, protos in services if name in protos and covers_port(from_port, to_port, port)
    ]
    return list(dict.fromkeys(found))


def _world_open_services(resource: Resource, services) -> list[Fail] | None:
    """Rules open to 0.0.0.0/0 or ::/0 that reach one of `services`; every-port rules are IG-AWS-003's."""
    verdict = Verdict()
    for prefix in aws_ingress_rules(resource, verdict):
        with verdict.item():
            exposure = aws_rule_exposure(resource, prefix, verdict)
            if exposure is None:
                continue
            cidr, attribute, protocol, from_port, to_port = exposure
            if aws_all_ports(protocol, from_port, to_port):
                continue
            found = exposed_services(protocol, from_port, to_port, services)
            if found:
                shown = ", ".join(found[:4]) + (f" and {len(found) - 4} more" if len(found) > 4 else "")
                verdict.fail(attribute, f"ingress from {cidr} reaches {shown}")
    return verdict.result()


# high: these services are the first things internet scanners try, and many speak clear text
@check(
    id="IG-AWS-053",
    title="Security group exposes a remote administration or legacy service to the internet",
    severity="high",
    framework="terraform",
    types=SG_TYPES,
    cwe="CWE-284",
    description="An ingress rule from 0.0.0.0/0 or ::/0 reaching Telnet, FTP, SMB, NetBIOS, MS RPC, LDAP, SNMP, "
    "VNC, WinRM, the Docker API, etcd, the Kubernetes API or the kubelet exposes a service built for trusted "
    "networks (often unauthenticated or clear text) to every scanner on the internet. SSH/RDP rules are reported by "
    "IG-AWS-002 and every-port rules by IG-AWS-003.",
    remediation="Allow these ports only from the VPC, a VPN or the security groups that need them; reach hosts "
    "through Session Manager and clusters through a private API endpoint.",
    example='resource "aws_security_group_rule" "k8s_api" {\n  type              = "ingress"\n'
    '  from_port         = 6443\n  to_port           = 6443\n  protocol          = "tcp"\n'
    '  cidr_blocks       = ["10.20.0.0/16"]\n  security_group_id = aws_security_group.control_plane.id\n}',
    tags=("network", "public"),
)
def aws_sg_remote_services_world_open(resource):
    return _world_open_services(resource, REMOTE_SERVICES)


# high: a database or cache on the internet is one weak password (or none: Redis, Memcached) from a breach
@check(
    id="IG-AWS-054",
    title="Security group exposes a database, cache or search port to the internet",
    severity="high",
    framework="terraform",
    types=SG_TYPES,
    cwe="CWE-284",
    description="An ingress rule from 0.0.0.0/0 or ::/0 reaching MySQL, PostgreSQL, SQL Server, Oracle, Redis, "
    "Memcached, MongoDB, Elasticsearch, Cassandra, Kafka, NFS and similar data services puts the data store one "
    "weak (or absent: Redis, Memcached and Elasticsearch default to none) credential away from anyone, and invites "
    "brute force and pre-auth exploits.",
    remediation="Allow the port only from the application's security group (source_security_group_id / "
    "referenced_security_group_id) or private CIDRs; keep data stores in private subnets.",
    example='resource "aws_vpc_security_group_ingress_rule" "postgres" {\n'
    "  security_group_id            = aws_security_group.db.id\n"
    "  referenced_security_group_id = aws_security_group.app.id\n"
    '  ip_protocol                  = "tcp"\n  from_port                    = 5432\n'
    "  to_port                      = 5432\n}",
    tags=("network", "public", "database"),
)
def aws_sg_data_services_world_open(resource):
    return _world_open_services(resource, DATA_SERVICES)


ADMIN = {22: "SSH", 3389: "RDP"}


def _acl_rules(resource: Resource, verdict: Verdict) -> list[str]:
    """Prefixes of the inbound rules of a network ACL (blocks) or an aws_network_acl_rule ("")."""
    if resource.type == "aws_network_acl_rule":
        return [] if is_true(resource.get("egress")) else [""]
    return block_paths(resource, "ingress", verdict)


# low: NACLs are a second layer behind security groups; opening admin ports there removes that layer
@check(
    id="IG-AWS-055",
    title="Network ACL allows SSH or RDP from the whole internet",
    severity="low",
    framework="terraform",
    types=["aws_network_acl", "aws_default_network_acl", "aws_network_acl_rule"],
    cwe="CWE-284",
    description="A network ACL inbound rule that allows 0.0.0.0/0 or ::/0 on a port range including 22 (SSH) or "
    "3389 (RDP) removes the subnet-level layer that would stop a loose security group from exposing remote "
    "administration. Allow-all rules (AWS's default NACL shape) are not reported.",
    remediation="Deny 22 and 3389 from 0.0.0.0/0 in the NACL (a lower rule number than the allow-all), or allow "
    "them only from administrative ranges.",
    example='resource "aws_network_acl_rule" "ssh_from_vpn" {\n  network_acl_id = aws_network_acl.public.id\n'
    '  rule_number    = 110\n  egress         = false\n  protocol       = "tcp"\n  rule_action    = "allow"\n'
    '  cidr_block     = "10.100.0.0/16"\n  from_port      = 22\n  to_port        = 22\n}',
    tags=("network",),
    compliance={"cis-aws-3.0": ["5.1"]},
)
def aws_nacl_admin_ports_world_open(resource):
    verdict = Verdict()
    block = resource.type != "aws_network_acl_rule"
    for prefix in _acl_rules(resource, verdict):
        with verdict.item():
            p = f"{prefix}." if prefix else ""
            action = resource.get(f"{p}action" if block else "rule_action")
            if str(action).lower() != "allow":
                continue
            for name in ("cidr_block", "ipv6_cidr_block"):
                cidr = resource.get(f"{p}{name}")
                if not is_world_cidr(cidr):
                    continue
                protocol = resource.get(f"{p}protocol")
                low, high = resource.get(f"{p}from_port"), resource.get(f"{p}to_port")
                if aws_protocol_all(protocol) or aws_all_ports(protocol, low, high):
                    break  # allow-all, the default NACL's shape
                if PROTOCOL_NAMES.get(str(protocol).strip().lower()) != "tcp":
                    break
                ports = [f"{svc} ({port})" for port, svc in ADMIN.items() if covers_port(low, high, port)]
                if ports:
                    verdict.fail(f"{p}{name}", f"inbound rule allows {' and '.join(ports)} from {cidr}")
                break
    return verdict.result()


# low: rules on the default group apply to anything launched without an explicit group
@check(
    id="IG-AWS-056",
    title="Default security group has rules",
    severity="low",
    framework="terraform",
    types=["aws_default_security_group"],
    cwe="CWE-284",
    description="Every ENI launched without an explicit security group lands in the VPC's default group; rules on it "
    "silently open new instances, endpoints and functions to whatever those rules allow. Managing "
    "aws_default_security_group with no ingress and no egress blocks removes every rule.",
    remediation="Declare aws_default_security_group with no ingress or egress blocks, and give each workload its own "
    "security group.",
    example='resource "aws_default_security_group" "default" {\n  vpc_id = aws_vpc.main.id\n}',
    tags=("network",),
    compliance={"cis-aws-3.0": ["5.4"]},
)
def aws_default_sg_has_rules(resource):
    verdict = Verdict()
    for name in ("ingress", "egress"):
        paths = block_paths(resource, name, verdict)
        if paths:
            verdict.fail(paths[0], f"the default security group keeps {len(paths)} {name} rule(s)")
    return verdict.result()


# low: a public address is reachable surface; what reaches it is judged by the security group checks
@check(
    id="IG-AWS-057",
    title="EC2 instance or launch template assigns a public IP address",
    severity="low",
    framework="terraform",
    types=["aws_instance", "aws_launch_template", "aws_launch_configuration"],
    cwe="CWE-668",
    description="associate_public_ip_address = true gives every instance launched this way an internet-routable "
    "address, so one loose security group rule exposes it directly. Instances behind a load balancer or NAT do not "
    "need one.",
    remediation="Set associate_public_ip_address = false, place instances in private subnets and publish services "
    "through a load balancer; use Session Manager for access.",
    example='resource "aws_launch_template" "app" {\n  name_prefix   = "app-"\n'
    "  image_id      = data.aws_ami.al2023.id\n"
    '  instance_type = "t3.small"\n\n  network_interfaces {\n    associate_public_ip_address = false\n'
    "    security_groups             = [aws_security_group.app.id]\n  }\n}",
    tags=("network", "public"),
    fix=SetValue(
        "associate_public_ip_address",
        False,
        unsafe="instances lose their public address (on aws_instance the argument forces a new instance), so access "
        "from or to the internet without a NAT stops",
    ),
)
def aws_instance_public_ip(resource):
    if resource.type == "aws_launch_template":
        verdict = Verdict()
        for path in block_paths(resource, "network_interfaces", verdict):
            with verdict.item():
                if is_true(resource.get(f"{path}.associate_public_ip_address")):
                    verdict.fail(f"{path}.associate_public_ip_address", "network interface gets a public IP address")
        return verdict.result()
    if is_true(resource.get("associate_public_ip_address")):
        return Fail("associate_public_ip_address", "instances get a public IP address")
    return None


# low: as above, for Fargate tasks
@check(
    id="IG-AWS-058",
    title="ECS service assigns public IP addresses to its tasks",
    severity="low",
    framework="terraform",
    types=["aws_ecs_service"],
    cwe="CWE-668",
    description="network_configuration { assign_public_ip = true } gives each awsvpc task an internet-routable "
    "address, so the task's security group is all that stands between its ports and the internet.",
    remediation="Set assign_public_ip = false, run tasks in private subnets with a NAT gateway or VPC endpoints, "
    "and publish them through a load balancer.",
    example='resource "aws_ecs_service" "api" {\n  name            = "api"\n'
    "  cluster         = aws_ecs_cluster.main.id\n"
    "  task_definition = aws_ecs_task_definition.api.arn\n\n  network_configuration {\n"
    "    subnets          = var.private_subnet_ids\n    security_groups  = [aws_security_group.api.id]\n"
    "    assign_public_ip = false\n  }\n}",
    tags=("network", "public", "containers"),
    fix=SetValue(
        "network_configuration.0.assign_public_ip",
        False,
        unsafe="tasks in public subnets without a NAT gateway can no longer pull images or reach the internet",
    ),
)
def aws_ecs_service_public_ip(resource):
    block = first_block(resource, "network_configuration")
    if block is not None and is_true(resource.get(f"{block}.assign_public_ip")):
        return Fail(f"{block}.assign_public_ip", "tasks get a public IP address")
    return None


# low: every instance launched into the subnet gets a public address unless it opts out
@check(
    id="IG-AWS-059",
    title="Subnet assigns public IP addresses on launch",
    severity="low",
    framework="terraform",
    types=["aws_subnet", "aws_default_subnet"],
    cwe="CWE-668",
    description="map_public_ip_on_launch = true gives every instance launched in the subnet a public IP unless its "
    "launch settings opt out, so workloads placed there by mistake are internet-reachable. aws_default_subnet "
    "defaults to true.",
    remediation="Set map_public_ip_on_launch = false and assign public addresses (or Elastic IPs) only to the "
    "instances that must have one, such as NAT instances or bastions.",
    example='resource "aws_subnet" "public_a" {\n  vpc_id                  = aws_vpc.main.id\n'
    '  cidr_block              = "10.20.0.0/24"\n  availability_zone       = "eu-west-1a"\n'
    "  map_public_ip_on_launch = false\n}",
    tags=("network", "public"),
    fix=SetValue(
        "map_public_ip_on_launch",
        False,
        unsafe="new instances in the subnet get no public address, so those meant to be reached from the internet, or "
        "to reach it without a NAT, stop working",
    ),
)
def aws_subnet_public_ip(resource):
    value = resource.get("map_public_ip_on_launch")
    if is_true(value) or (value is None and resource.type == "aws_default_subnet"):
        return Fail(written(resource, "map_public_ip_on_launch"), "instances launched here get a public IP address")
    return None


# medium: without flow logs there is no record of connections for detection or incident response
@check(
    id="IG-AWS-060",
    title="VPC has no flow logs",
    severity="medium",
    framework="terraform",
    types=["aws_vpc"],
    cwe="CWE-778",
    description="Without an aws_flow_log for the VPC there is no record of accepted and rejected connections: "
    "scanning, exfiltration and lateral movement go unseen, and an incident cannot be scoped. Flow logs "
    "attached to the VPC (vpc_id), or to every one of its subnets, in the same configuration are recognised.",
    remediation='Add an aws_flow_log with vpc_id = aws_vpc.<name>.id and traffic_type = "ALL", delivering to '
    "CloudWatch Logs or S3.",
    example='resource "aws_flow_log" "main" {\n  vpc_id               = aws_vpc.main.id\n'
    '  traffic_type         = "ALL"\n'
    '  log_destination_type = "s3"\n  log_destination      = aws_s3_bucket.flow_logs.arn\n}',
    graph=True,
    tags=("network", "logging"),
    compliance={"cis-aws-3.0": ["3.7"]},
)
def aws_vpc_no_flow_logs(resource, graph):
    if decide_any([partial(_flow_logged, graph, resource, "vpc_id"), partial(_subnets_flow_logged, graph, resource)]):
        return None
    return Fail(None, "no aws_flow_log records this VPC's traffic")


def _flow_logged(graph, resource: Resource, attribute: str) -> bool:
    return bool(graph.linked_from(resource, "aws_flow_log", attribute))


def _subnets_flow_logged(graph, vpc: Resource) -> bool:
    """Every subnet of the VPC has its own flow log."""
    subnets = graph.linked_from(vpc, "aws_subnet", "vpc_id")
    return bool(subnets) and all(_flow_logged(graph, subnet, "subnet_id") for subnet in subnets)


# low: the default is already full access; an explicit one only documents it, and invites exfiltration
@check(
    id="IG-AWS-061",
    title="VPC endpoint policy allows any principal every action",
    severity="low",
    framework="terraform",
    types=["aws_vpc_endpoint", "aws_vpc_endpoint_policy"],
    cwe="CWE-732",
    description='An endpoint policy allowing Action "*" on Resource "*" to Principal "*" lets anything in the VPC '
    "use the endpoint for any account's resources: data can be copied to an attacker's bucket or table through "
    "your own endpoint, bypassing egress controls. A policy that limits resources or principals closes that path.",
    remediation="Allow only the actions the VPC needs on your own resources (e.g. your buckets' ARNs or an "
    "aws:ResourceOrgID condition).",
    example='resource "aws_vpc_endpoint" "s3" {\n  vpc_id       = aws_vpc.main.id\n'
    '  service_name = "com.amazonaws.eu-west-1.s3"\n  policy = jsonencode({\n    Version = "2012-10-17"\n'
    '    Statement = [{\n      Effect    = "Allow"\n      Principal = "*"\n'
    '      Action    = ["s3:GetObject", "s3:PutObject"]\n      Resource  = "arn:aws:s3:::acme-*/*"\n    }]\n  })\n}',
    tags=("network",),
)
def aws_vpc_endpoint_policy_full(resource):
    verdict = Verdict()
    found = []
    for statement in policy_statements(policy_document(resource, "policy"), "policy"):
        with verdict.item():
            if public_grant(statement) and statement.has("Action", "*") and statement.has("Resource", "*"):
                found.append(statement.label)
    if found:
        verdict.fail("policy", f'statement {", ".join(found)} allows Principal "*" every action on every resource')
    return verdict.result()


# low: a flow log of only accepted (or only rejected) traffic misses half of what an investigation needs
@check(
    id="IG-AWS-062",
    title="VPC flow log does not record all traffic",
    severity="low",
    framework="terraform",
    types=["aws_flow_log"],
    cwe="CWE-778",
    description='traffic_type "ACCEPT" misses blocked scans and probes; "REJECT" misses the connections that '
    "succeeded, which are the ones that matter after a compromise.",
    remediation='Set traffic_type = "ALL".',
    example='resource "aws_flow_log" "main" {\n  vpc_id          = aws_vpc.main.id\n  traffic_type    = "ALL"\n'
    "  log_destination = aws_cloudwatch_log_group.flow_logs.arn\n  iam_role_arn    = aws_iam_role.flow_logs.arn\n}",
    tags=("network", "logging"),
    fix=SetValue(
        "traffic_type",
        "ALL",
        unsafe="traffic_type forces a new flow log, and recording all traffic costs more to ingest and store",
    ),
)
def aws_flow_log_partial(resource):
    traffic = resource.get("traffic_type")
    if isinstance(traffic, str) and traffic.upper() in ("ACCEPT", "REJECT"):
        return Fail("traffic_type", f"traffic_type is {traffic!r}: only part of the traffic is recorded")
    return None


def _endpoint_service_open(service: Resource) -> bool:
    """Whether the endpoint service connects new endpoints without a manual approval."""
    return not is_true(service.get("acceptance_required"))


# high: any AWS account can connect an endpoint to the service (auto-accepted); medium when each needs approval
@check(
    id="IG-AWS-100",
    title="VPC endpoint service allows every AWS account to connect",
    severity="high",
    framework="terraform",
    types=["aws_vpc_endpoint_service", "aws_vpc_endpoint_service_allowed_principal"],
    cwe="CWE-284",
    description='allowed_principals = ["*"] (or an aws_vpc_endpoint_service_allowed_principal with principal_arn '
    '"*") lets any AWS account create an interface endpoint to your PrivateLink service; with acceptance_required '
    "= false the connection is accepted at once and the service behind the load balancer is reachable from their "
    "VPC. Reported as medium when each connection still needs approval.",
    remediation="List the account or role ARNs of the consumers in allowed_principals, and keep "
    "acceptance_required = true.",
    example='resource "aws_vpc_endpoint_service" "billing_api" {\n  acceptance_required        = true\n'
    "  network_load_balancer_arns = [aws_lb.billing_api.arn]\n"
    '  allowed_principals         = ["arn:aws:iam::210987654321:root"]\n}',
    graph=True,
    tags=("network", "public"),
)
def aws_endpoint_service_any_principal(resource, graph):
    if resource.type == "aws_vpc_endpoint_service":
        path = "allowed_principals"
        principals = resource.get(path) or []
        anyone = "*" in (principals if isinstance(principals, list) else [principals])
    else:
        path = "principal_arn"
        anyone = resource.get(path) == "*"
    if not anyone:
        return None
    try:
        services = _endpoint_services(graph, resource)
        accepted = decide_any(partial(_endpoint_service_open, s) for s in services)
    except UnknownValue as exc:
        # "*" is a finding whatever the service says; only the severity waits on it, so the worst case stands
        return Fail(path, f"any AWS account can connect; whether connections need approval is unknown: {exc.reason}")
    related = tuple(s for s in services if not resource.same(s))
    if accepted:
        return Fail(path, "any AWS account can connect, and connections are accepted without approval", related)
    return Fail(path, "any AWS account can request a connection (each needs approval)", related, severity="medium")


def _endpoint_services(graph, resource: Resource) -> list[Resource]:
    if resource.type == "aws_vpc_endpoint_service":
        return [resource]
    services = referenced(graph, resource, "aws_vpc_endpoint_service", "vpc_endpoint_service_id")
    if not services:
        raise UnknownValue("vpc_endpoint_service_id", "the endpoint service is not defined in this configuration")
    return services


# low: attachments shared through RAM join the routing domain without review
@check(
    id="IG-AWS-101",
    title="Transit gateway accepts shared attachments automatically",
    severity="low",
    framework="terraform",
    types=["aws_ec2_transit_gateway"],
    cwe="CWE-284",
    description='auto_accept_shared_attachments = "enable" attaches any VPC of an account the transit gateway is '
    "shared with as soon as it asks, putting that VPC on the routing domain of every other attachment without "
    "review.",
    remediation='Set auto_accept_shared_attachments = "disable" (the default) and accept attachments deliberately.',
    example='resource "aws_ec2_transit_gateway" "core" {\n  description                     = "core"\n'
    '  auto_accept_shared_attachments  = "disable"\n}',
    tags=("network",),
    fix=SetValue(
        "auto_accept_shared_attachments",
        "disable",
        unsafe="attachments that other accounts create then wait for manual acceptance, which stalls automated "
        "cross-account networking",
    ),
)
def aws_tgw_auto_accept(resource):
    if str(resource.get("auto_accept_shared_attachments", "")).lower() == "enable":
        return Fail("auto_accept_shared_attachments", "shared attachments are accepted without review")
    return None


# low: VPN connections into the network leave no record of who connected from where
@check(
    id="IG-AWS-112",
    title="Client VPN endpoint does not log connections",
    severity="low",
    framework="terraform",
    types=["aws_ec2_client_vpn_endpoint"],
    cwe="CWE-778",
    description="connection_log_options { enabled = false } keeps no record of VPN connections: a stolen "
    "certificate or password used to enter the VPC from the internet leaves no trace of who connected, when and "
    "from which address.",
    remediation="Set enabled = true with a cloudwatch_log_group (and cloudwatch_log_stream).",
    example='resource "aws_ec2_client_vpn_endpoint" "staff" {\n'
    "  server_certificate_arn = aws_acm_certificate.vpn.arn\n"
    '  client_cidr_block      = "10.100.0.0/22"\n\n  authentication_options {\n'
    '    type                       = "federated-authentication"\n'
    "    saml_provider_arn          = aws_iam_saml_provider.sso.arn\n  }\n\n  connection_log_options {\n"
    "    enabled               = true\n    cloudwatch_log_group  = aws_cloudwatch_log_group.vpn.name\n  }\n}",
    tags=("network", "logging"),
)
def aws_client_vpn_no_logs(resource):
    block = first_block(resource, "connection_log_options")
    if block is None:
        return None  # the block is required; nothing to judge without it
    if not is_true(resource.get(f"{block}.enabled")):
        return Fail(written(resource, f"{block}.enabled", block), "VPN connections are not logged")
    return None


# Widest prefix a rule may admit before it counts as "most of the internet" (a /8 is 16 million addresses).
MAX_PUBLIC_PREFIX = 8


def _huge_public_range(value: object) -> bool:
    """A public (not private, not 0.0.0.0/0) network of prefix /8 or wider, e.g. the 0.0.0.0/1 + 128.0.0.0/1 pair."""
    if not isinstance(value, str):
        return False
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return False
    limit = MAX_PUBLIC_PREFIX if network.version == 4 else MAX_PUBLIC_PREFIX * 4
    return 0 < network.prefixlen <= limit and network.is_global


# medium: a "not quite 0.0.0.0/0" range is still most of the internet
@check(
    id="IG-AWS-106",
    title="Security group admits a huge public address range",
    severity="medium",
    framework="terraform",
    types=SG_TYPES,
    cwe="CWE-284",
    description="An ingress rule from a public network of prefix /8 or wider (/32 for IPv6), such as 0.0.0.0/1 and "
    "128.0.0.0/1 or a whole /8 of another organisation, opens the ports to millions of internet hosts while "
    "escaping checks that only look for 0.0.0.0/0. Private ranges (10.0.0.0/8 and the like) are not reported.",
    remediation="Admit the specific CIDRs (offices, VPN egress, partners' /32s) or the security groups that need "
    "access.",
    example='resource "aws_security_group_rule" "partner_sftp" {\n  type              = "ingress"\n'
    '  from_port         = 22\n  to_port           = 22\n  protocol          = "tcp"\n'
    '  cidr_blocks       = ["203.0.113.10/32"]\n  security_group_id = aws_security_group.sftp.id\n}',
    tags=("network", "public"),
)
def aws_sg_huge_public_range(resource):
    verdict = Verdict()
    for prefix in aws_ingress_rules(resource, verdict):
        p = f"{prefix}." if prefix else ""
        for attribute in (f"{p}cidr_blocks", f"{p}ipv6_cidr_blocks", f"{p}cidr_ipv4", f"{p}cidr_ipv6"):
            with verdict.item():
                for element in element_paths(resource, attribute):
                    with verdict.item():
                        value = resource.get(element)
                        if _huge_public_range(value):
                            verdict.fail(attribute, f"ingress from {value}: a public range of millions of addresses")
                            break
    return verdict.result()
