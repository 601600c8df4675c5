"""AWS checks for Terraform resources."""

from __future__ import annotations

from checks._helpers import (
    PolicyStatement,
    Verdict,
    aws_ebs_default_encryption,
    block_paths,
    decide_all,
    first_block,
    is_false,
    is_true,
    policy_document,
    policy_statements,
    world_cidrs,
    world_open_ingress,
    written,
)
from scanner.fix.spec import SetValue
from scanner.records import UnknownValue
from scanner.registry import Fail, check

PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")


@check(
    id="IG-AWS-001",
    title="S3 bucket ACL grants public access",
    severity="high",
    framework="terraform",
    types=["aws_s3_bucket", "aws_s3_bucket_acl"],
    cwe="CWE-732",
    description="A canned ACL of public-read, public-read-write or authenticated-read lets anyone "
    "on the internet (or any AWS account) list or read, and possibly write, the bucket's objects.",
    remediation='Use `acl = "private"` (or drop the ACL and rely on bucket ownership controls) and grant '
    "access through IAM or a bucket policy scoped to the principals that need it.",
    example='resource "aws_s3_bucket_acl" "logs" {\n  bucket = aws_s3_bucket.logs.id\n  acl    = "private"\n}',
    fix=SetValue("acl", "private", unsafe="clients that read (or write) the bucket through its public ACL lose access"),
)
def s3_bucket_acl_public(resource):
    if resource.get("acl") in PUBLIC_ACLS:
        return Fail("acl", f"S3 bucket ACL is {resource.get('acl')!r}: objects are readable by anyone")
    return None


SG_TYPES = ["aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"]


def _world_open_ingress(resource, want_all_ports: bool):
    verdict = Verdict()
    for ingress in world_open_ingress(resource, verdict):
        with verdict.item():
            if want_all_ports:
                if ingress.every_port(verdict):
                    verdict.fail(ingress.attribute, f"ingress from {ingress.source} is open on every port")
            elif not ingress.every_port(verdict):
                exposed = ingress.admin_services(verdict)
                if exposed:
                    verdict.fail(ingress.attribute, f"ingress from {ingress.source} reaches {' and '.join(exposed)}")
    return verdict.result()


@check(
    id="IG-AWS-002",
    title="Security group allows SSH or RDP from the whole internet",
    severity="high",
    framework="terraform",
    types=SG_TYPES,
    cwe="CWE-284",
    description="An ingress rule from 0.0.0.0/0 or ::/0 whose port range includes 22 (SSH) or 3389 (RDP) "
    "exposes remote administration to credential stuffing, brute force and pre-auth exploits from any "
    "host on the internet. Rules open on every port are reported by IG-AWS-003 instead.",
    remediation="Restrict the rule's cidr_blocks to your office or VPN ranges, or drop inbound SSH/RDP and "
    "use AWS Systems Manager Session Manager or EC2 Instance Connect Endpoint.",
    example='resource "aws_security_group_rule" "ssh" {\n  type              = "ingress"\n  from_port         = 22\n'
    '  to_port           = 22\n  protocol          = "tcp"\n  cidr_blocks       = ["10.20.0.0/16"]\n'
    "  security_group_id = aws_security_group.bastion.id\n}",
    tags=("network",),
)
def aws_sg_admin_ports_world_open(resource):
    return _world_open_ingress(resource, want_all_ports=False)


@check(
    id="IG-AWS-003",
    title="Security group allows every port from the whole internet",
    severity="high",
    framework="terraform",
    types=SG_TYPES,
    cwe="CWE-284",
    description="An ingress rule from 0.0.0.0/0 or ::/0 with protocol -1 (all traffic) or TCP 0-65535 exposes "
    "every listening service of every attached instance, including databases and admin interfaces that were "
    "never meant to be public.",
    remediation="Open only the ports the service needs (e.g. 443) to the internet, and everything else only "
    "to the security groups or CIDRs that need it.",
    example='resource "aws_vpc_security_group_ingress_rule" "https" {\n'
    "  security_group_id = aws_security_group.web.id\n"
    '  cidr_ipv4         = "0.0.0.0/0"\n  ip_protocol       = "tcp"\n'
    "  from_port         = 443\n  to_port           = 443\n}",
    tags=("network",),
)
def aws_sg_all_ports_world_open(resource):
    return _world_open_ingress(resource, want_all_ports=True)


@check(
    id="IG-AWS-004",
    title="RDS database instance is publicly accessible",
    severity="high",
    framework="terraform",
    types=["aws_db_instance", "aws_rds_cluster_instance"],
    cwe="CWE-284",
    compliance={"cis-aws-3.0": ["2.3.3"]},
    description="publicly_accessible = true gives the instance a public DNS name that resolves to a public IP, "
    "so the database listener is reachable from the internet wherever its security group allows.",
    remediation="Set publicly_accessible = false and reach the database from inside the VPC (application subnets, "
    "a bastion, or RDS Proxy).",
    example='resource "aws_db_instance" "app" {\n  identifier          = "app"\n  engine              = "postgres"\n'
    '  instance_class      = "db.t4g.medium"\n  publicly_accessible = false\n  storage_encrypted   = true\n}',
    tags=("network", "database"),
    fix=SetValue(
        "publicly_accessible", False, unsafe="clients outside the VPC lose their connection to the database endpoint"
    ),
)
def aws_rds_public(resource):
    if is_true(resource.get("publicly_accessible")):
        return Fail("publicly_accessible", "database instance has a public endpoint")
    return None


@check(
    id="IG-AWS-005",
    title="Database storage is not encrypted (RDS, Aurora, Neptune, DocumentDB)",
    severity="medium",
    framework="terraform",
    types=["aws_db_instance", "aws_rds_cluster", "aws_neptune_cluster", "aws_docdb_cluster"],
    cwe="CWE-311",
    compliance={"cis-aws-3.0": ["2.3.1"]},
    description="Without storage_encrypted the database volumes, automated backups, read replicas and snapshots "
    "are stored unencrypted; encryption cannot be turned on later without a snapshot-and-restore migration.",
    remediation="Set storage_encrypted = true (optionally with kms_key_id for a customer managed key). Replicas "
    "and restores from snapshot inherit the source's encryption and are not reported.",
    example='resource "aws_rds_cluster" "app" {\n  cluster_identifier = "app"\n'
    '  engine             = "aurora-postgresql"\n'
    "  storage_encrypted  = true\n  kms_key_id         = aws_kms_key.rds.arn\n}",
    tags=("encryption", "database"),
    fix=SetValue(
        "storage_encrypted",
        True,
        unsafe="storage_encrypted forces a new resource: Terraform replaces the database, and its data with it",
    ),
)
def aws_rds_unencrypted(resource):
    encrypted = resource.get("storage_encrypted")
    if is_true(encrypted):
        return None
    for inherited in ("replicate_source_db", "snapshot_identifier", "replication_source_identifier"):
        if resource.get(inherited):
            return None  # encryption comes from the source
    if resource.type == "aws_rds_cluster" and resource.get("engine_mode") == "serverless":
        return None  # Aurora Serverless v1 is always encrypted
    if encrypted is None:
        return Fail(
            written(resource, "storage_encrypted"), "storage_encrypted is not set: the database storage is unencrypted"
        )
    return Fail("storage_encrypted", "storage_encrypted is false")


def _volume_unencrypted(resource, prefix: str) -> bool:
    """Whether the volume at `prefix` is unencrypted; a volume made from a snapshot inherits its encryption."""
    return not is_true(resource.get(f"{prefix}encrypted")) and not resource.get(f"{prefix}snapshot_id")


@check(
    id="IG-AWS-006",
    title="EBS volume is not encrypted",
    severity="medium",
    framework="terraform",
    types=["aws_ebs_volume", "aws_instance"],
    cwe="CWE-311",
    description="Unencrypted EBS volumes and their snapshots hold data in clear at rest; a snapshot shared or "
    "copied by mistake exposes everything on the disk. An instance without a root_block_device gets a root "
    "volume as encrypted as its AMI's snapshot, which for public AMIs is unencrypted. Nothing is reported when "
    "the same configuration turns on aws_ebs_encryption_by_default (the account then encrypts every new volume "
    "of the region).",
    remediation="Set encrypted = true on aws_ebs_volume and on each root_block_device/ebs_block_device (add a "
    "root_block_device where it is missing), or enable aws_ebs_encryption_by_default for the account and region.",
    example='resource "aws_ebs_volume" "data" {\n  availability_zone = "eu-west-1a"\n  size              = 100\n'
    "  encrypted         = true\n}",
    graph=True,
    tags=("encryption",),
)
def aws_ebs_unencrypted(resource, graph):
    verdict = Verdict()
    if resource.type == "aws_ebs_volume":
        if _volume_unencrypted(resource, ""):
            verdict.fail(written(resource, "encrypted"), "volume is not encrypted")
    else:
        for name in ("root_block_device", "ebs_block_device"):
            for path in block_paths(resource, name, verdict):
                with verdict.item():
                    if _volume_unencrypted(resource, f"{path}."):
                        at = written(resource, f"{path}.encrypted", path)
                        verdict.fail(at, f"{name} is not encrypted")
        with verdict.item():
            if first_block(resource, "root_block_device") is None and not resource.get("launch_template"):
                verdict.fail(None, "no root_block_device: the root volume is only as encrypted as the AMI's snapshot")
    try:
        encrypted_by_default = aws_ebs_default_encryption(graph, resource) is not None
    except UnknownValue:
        if verdict.fails:
            raise  # whether the account encrypts them decides
        encrypted_by_default = False
    return None if encrypted_by_default else verdict.result()


@check(
    id="IG-AWS-007",
    title="EFS file system is not encrypted",
    severity="medium",
    framework="terraform",
    types=["aws_efs_file_system"],
    cwe="CWE-311",
    compliance={"cis-aws-3.0": ["2.4.1"]},
    description="EFS encryption at rest can only be chosen at creation; an unencrypted file system keeps "
    "every file and its backups in clear at rest.",
    remediation="Set encrypted = true (and kms_key_id for a customer managed key); migrate data to a new "
    "file system for existing ones.",
    example='resource "aws_efs_file_system" "shared" {\n  creation_token = "shared"\n  encrypted      = true\n}',
    tags=("encryption",),
    fix=SetValue(
        "encrypted",
        True,
        unsafe="an EFS file system cannot be encrypted after creation: Terraform replaces it and its files",
    ),
)
def aws_efs_unencrypted(resource):
    if not is_true(resource.get("encrypted")):
        at = written(resource, "encrypted")
        return Fail(at, "file system is not encrypted at rest")
    return None


@check(
    id="IG-AWS-008",
    title="EC2 instance metadata service does not require IMDSv2 tokens",
    severity="medium",
    framework="terraform",
    types=["aws_instance", "aws_launch_template", "aws_launch_configuration"],
    cwe="CWE-918",
    compliance={"cis-aws-3.0": ["5.6"]},
    description="With IMDSv1 allowed, any server-side request forgery in an application on the instance can read "
    "the instance role's temporary credentials from http://169.254.169.254 with a plain GET.",
    remediation='Add metadata_options { http_tokens = "required" } (or disable the endpoint with '
    'http_endpoint = "disabled" when the instance needs no metadata).',
    example='resource "aws_instance" "app" {\n  ami           = data.aws_ami.al2023.id\n'
    '  instance_type = "t3.micro"\n\n'
    '  metadata_options {\n    http_endpoint = "enabled"\n    http_tokens   = "required"\n  }\n}',
    fix=SetValue(
        "metadata_options.0.http_tokens",
        "required",
        unsafe="software still using IMDSv1 (old SDKs and agents) loses instance metadata and credentials",
    ),
)
def aws_imdsv2_not_required(resource):
    block = first_block(resource, "metadata_options")
    if block is None:
        return Fail(
            None, "no metadata_options block: IMDSv1 stays allowed unless the AMI or account default requires tokens"
        )
    if resource.get(f"{block}.http_endpoint") == "disabled":
        return None
    tokens = resource.get(f"{block}.http_tokens")
    if tokens != "required":
        at = written(resource, f"{block}.http_tokens", block)
        shown = repr(tokens) if tokens is not None else "not set"
        return Fail(at, f"http_tokens is {shown}: IMDSv1 is allowed")
    return None


IAM_POLICY_TYPES = ["aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"]


def full_admin(statement: PolicyStatement) -> bool:
    """Raises UnknownValue only when an unknown part could decide it (an unknown Sid or Condition cannot)."""
    return decide_all(
        lambda: statement.get("Effect") == "Allow",
        lambda: statement.has("Action", "*"),
        lambda: statement.has("Resource", "*"),
    )


@check(
    id="IG-AWS-009",
    title='IAM policy allows every action on every resource ("*" on "*")',
    severity="high",
    framework="terraform",
    types=[*IAM_POLICY_TYPES, "aws_iam_role"],
    cwe="CWE-269",
    compliance={"cis-aws-3.0": ["1.16"]},
    description='A statement allowing Action "*" on Resource "*" is full administrator access: whoever holds it can '
    "create users and keys, read every secret and delete every resource, so one leaked credential is a full "
    "account compromise.",
    remediation="Grant the specific actions and resource ARNs the workload needs (IAM Access Analyzer can generate a "
    "policy from CloudTrail activity); keep administrator access to a few break-glass roles, attached through the "
    "managed AdministratorAccess policy with MFA.",
    example='resource "aws_iam_policy" "app" {\n  name = "app"\n  policy = jsonencode({\n    Version = "2012-10-17"\n'
    '    Statement = [{\n      Effect   = "Allow"\n      Action   = ["s3:GetObject"]\n'
    '      Resource = ["${aws_s3_bucket.data.arn}/*"]\n    }]\n  })\n}',
    tags=("iam",),
)
def aws_iam_full_admin(resource):
    verdict = Verdict()
    if resource.type == "aws_iam_role":
        paths = [f"{p}.policy" for p in block_paths(resource, "inline_policy", verdict)]
    else:
        paths = ["policy"]
    for path in paths:
        with verdict.item():
            for statement in policy_statements(policy_document(resource, path), path):
                with verdict.item():
                    if full_admin(statement):
                        verdict.fail(path, 'policy allows "*" on "*" (full administrator access)')
                        break
    return verdict.result()


@check(
    id="IG-AWS-014",
    title="Load balancer listener serves plain HTTP",
    severity="medium",
    framework="terraform",
    types=["aws_lb_listener", "aws_alb_listener", "aws_elb"],
    cwe="CWE-319",
    description="A listener on plain HTTP that forwards traffic sends requests, cookies and credentials "
    "unencrypted between clients and the load balancer. HTTP listeners that only redirect to HTTPS "
    "(or return a fixed response) are not reported. A listener without `protocol` listens on HTTP when its load "
    "balancer is an application load balancer (on TCP for a network one).",
    remediation='Listen on HTTPS with a certificate (protocol = "HTTPS", certificate_arn, a TLS 1.2+ ssl_policy) and '
    "turn the HTTP listener into a redirect to HTTPS.",
    example='resource "aws_lb_listener" "http" {\n  load_balancer_arn = aws_lb.web.arn\n  port              = 80\n'
    '  protocol          = "HTTP"\n\n  default_action {\n    type = "redirect"\n    redirect {\n'
    '      port        = "443"\n      protocol    = "HTTPS"\n      status_code = "HTTP_301"\n    }\n  }\n}',
    graph=True,
    tags=("encryption", "network"),
)
def aws_lb_plain_http(resource, graph):
    if resource.type == "aws_elb":
        verdict = Verdict()
        for path in block_paths(resource, "listener", verdict):
            with verdict.item():
                if str(resource.get(f"{path}.lb_protocol", "")).lower() == "http":
                    verdict.fail(f"{path}.lb_protocol", "classic load balancer listener accepts plain HTTP")
        return verdict.result()
    protocol = resource.get("protocol")
    if protocol is None and _load_balancer_type(graph, resource) == "application":
        protocol, where = "HTTP", "protocol is omitted, so an application load balancer listens on HTTP"
    else:
        where = "listener"
    if str(protocol).upper() != "HTTP":
        return None
    verdict = Verdict()
    for action in block_paths(resource, "default_action", verdict):
        kind = resource.get(f"{action}.type")
        if kind == "fixed-response":
            continue
        if kind == "redirect" and str(resource.get(f"{action}.redirect.0.protocol", "")).upper() == "HTTPS":
            continue
        message = f"{where} forwards plain HTTP traffic instead of redirecting to HTTPS"
        return Fail(written(resource, "protocol"), message)
    return verdict.result()


# an ARN names the kind of load balancer: arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>
LB_ARN_KINDS = {"app": "application", "net": "network", "gwy": "gateway"}


def _load_balancer_type(graph, listener) -> str:
    """The type of the load balancer a listener belongs to (which decides what an omitted protocol means).

    Read from the aws_lb the listener references, or from a literal ARN; unknown when neither tells."""
    for lb in graph.links(listener, "load_balancer_arn").targets:
        if lb.type in ("aws_lb", "aws_alb"):
            return str(lb.get("load_balancer_type") or "application").lower()
    arn = listener.get("load_balancer_arn")
    kind = arn.split(":loadbalancer/")[-1].split("/")[0] if isinstance(arn, str) and ":loadbalancer/" in arn else None
    if kind in LB_ARN_KINDS:
        return LB_ARN_KINDS[kind]
    raise UnknownValue("protocol", "protocol is omitted and the load balancer (which decides the default) is not known")


@check(
    id="IG-AWS-015",
    title="EKS cluster API endpoint is public to the whole internet",
    severity="medium",
    framework="terraform",
    types=["aws_eks_cluster"],
    cwe="CWE-284",
    description="With endpoint_public_access (the default) and public_access_cidrs left at 0.0.0.0/0, the "
    "Kubernetes API server accepts connections from anywhere; only authentication stands between the internet "
    "and the cluster, so API server vulnerabilities and leaked kubeconfigs are directly exploitable.",
    remediation="Set endpoint_public_access = false and endpoint_private_access = true, or restrict "
    "public_access_cidrs to your CI and office ranges.",
    example='resource "aws_eks_cluster" "main" {\n  name     = "main"\n  role_arn = aws_iam_role.eks.arn\n\n'
    "  vpc_config {\n    subnet_ids              = var.private_subnet_ids\n"
    "    endpoint_private_access = true\n    endpoint_public_access  = false\n  }\n}",
    tags=("network", "kubernetes"),
)
def aws_eks_public_endpoint(resource):
    block = first_block(resource, "vpc_config")
    if block is None:
        return None  # vpc_config is required; nothing to judge without it
    if is_false(resource.get(f"{block}.endpoint_public_access")):
        return None
    cidrs = resource.get(f"{block}.public_access_cidrs")
    if cidrs is None:
        at = written(resource, f"{block}.public_access_cidrs", block)
        return Fail(at, "public API endpoint with public_access_cidrs defaulting to 0.0.0.0/0")
    verdict = Verdict()
    if world_cidrs(resource, [f"{block}.public_access_cidrs"], verdict) is not None:
        return Fail(f"{block}.public_access_cidrs", "public API endpoint open to 0.0.0.0/0")
    return verdict.result()
