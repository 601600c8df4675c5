"""AWS compute and containers for Terraform: EC2, EKS, ECS, ECR, Lambda, Batch, App Runner, Beanstalk.

ECS container definitions and Batch container properties are JSON strings; they are decoded with the
partly known JSON the evaluator keeps for `jsonencode` (like policies), so a definition whose image
tag is known only after apply is still judged on its known fields. What a secret looks like is
decided by scanner.secrets. IMDSv2 (IG-AWS-008) and public EKS endpoints (IG-AWS-015) are judged elsewhere.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from checks._helpers import Verdict, block_paths, configured, first_block, is_false, is_true, policy_document, written
from scanner.fix.spec import SetValue
from scanner.records import PartialDocument, Resource, Unknown, UnknownValue
from scanner.registry import Fail, check
from scanner.secrets import is_placeholder, is_secret_name, secret_kind, value_secret_kinds

# --- secrets -------------------------------------------------------------------------------------------
# What a secret looks like is decided once, in scanner.secrets (self-identifying credentials, secret-like
# names, placeholders). IG-SEC-001 already reports secrets in plain attributes (a Lambda or App Runner
# environment map, a user_data string holding an access key); the checks here cover what it cannot see:
# environment variables inside JSON container definitions, Beanstalk properties split into name and value,
# and shell assignments in (possibly base64-encoded) user data.

# `export NAME=value`, `NAME="value"`, `echo "NAME=value" >> file`, cloud-init `name: value`
SCRIPT_ASSIGNMENT = re.compile(r"""([A-Za-z_][A-Za-z0-9_.-]*)["']?[ \t]*[=:][ \t]*["']?([^\s"'`;,)]+)""")


def _secret_in(name: str, value: Any, path: str) -> str | None:
    """`secret_kind` for one variable whose value may be unknown: unknown only when the name is a secret's."""
    if isinstance(value, Unknown):
        if is_secret_name(name):
            raise UnknownValue(path, value.reason)
        return None
    return secret_kind(name, value if isinstance(value, str) else None)


def script_secrets(text: str, self_identifying: bool = True) -> list[str]:
    """Kinds of secrets in a script: credentials that identify themselves (when asked), and shell or YAML
    assignments of a literal to a secret-like name. Shell expansions (`$(...)`, `$VAR`) compute the value."""
    found = list(value_secret_kinds(text)) if self_identifying else []
    for match in SCRIPT_ASSIGNMENT.finditer(text):
        name, value = match.groups()
        if value.startswith(("$", "`")) or value == name:
            continue
        if is_secret_name(name) and not is_placeholder(value):
            found.append(f"literal value of {name}")
    return list(dict.fromkeys(found))


# --- partly known JSON documents (ECS container definitions, Batch container properties) -----------------


def json_document(resource: Resource, path: str) -> Any:
    """The JSON at `path` decoded, `Unknown` at the parts not known; None when absent.

    Like `policy_document`, but for any JSON value (container definitions are a list). Raises UnknownValue when
    nothing of its structure is known."""
    try:
        value = resource.get(path)
    except UnknownValue:
        parent, _, name = path.rpartition(".")
        holder = resource.get(parent) if parent else resource.attributes
        raw = holder.get(name) if isinstance(holder, dict) else None
        if isinstance(raw, PartialDocument):
            return raw.document
        raise
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise UnknownValue(path, f"not valid JSON: {exc.msg}") from None


def _field(document: Any, key: str, path: str) -> Any:
    """`document[key]`, raising UnknownValue where the document or the value is not known."""
    if isinstance(document, Unknown):
        raise UnknownValue(path, document.reason)
    value = document.get(key) if isinstance(document, dict) else None
    if isinstance(value, Unknown):
        raise UnknownValue(f"{path}.{key}", value.reason)
    return value


def containers(resource: Resource) -> tuple[str, list[tuple[str, Any]]]:
    """(attribute, [(label, container definition)]) of an ECS task definition or a Batch job definition."""
    if resource.type == "aws_batch_job_definition":
        document = json_document(resource, "container_properties")
        return "container_properties", ([("container", document)] if document is not None else [])
    document = json_document(resource, "container_definitions")
    if isinstance(document, Unknown):
        raise UnknownValue("container_definitions", document.reason)
    items = document if isinstance(document, list) else []
    found = []
    for index, item in enumerate(items):
        name = item.get("name") if isinstance(item, dict) else None
        found.append((f"container {name}" if isinstance(name, str) else f"container #{index + 1}", item))
    return "container_definitions", found


CONTAINER_TYPES = ["aws_ecs_task_definition", "aws_batch_job_definition"]
DANGEROUS_CAPABILITIES = {"ALL", "SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE", "NET_ADMIN", "DAC_READ_SEARCH", "BPF"}


# high: a privileged container owns the host (and every other task on it)
@check(
    id="IG-AWS-159",
    title="Container runs privileged or with host-level capabilities (ECS, Batch)",
    severity="high",
    framework="terraform",
    types=CONTAINER_TYPES,
    cwe="CWE-250",
    description='A container definition with "privileged": true, or linuxParameters adding ALL, SYS_ADMIN, '
    "SYS_MODULE, SYS_PTRACE, NET_ADMIN, DAC_READ_SEARCH or BPF, can load kernel modules, mount the host's disks "
    "and read other tasks' memory: a compromise of the application becomes a compromise of the instance and its "
    "role.",
    remediation='Remove "privileged": true and the added capabilities; grant the single capability the workload '
    "needs, or run it on a dedicated instance.",
    example='resource "aws_ecs_task_definition" "api" {\n  family                   = "api"\n'
    '  requires_compatibilities = ["FARGATE"]\n  network_mode             = "awsvpc"\n'
    "  cpu                      = 256\n"
    "  memory                   = 512\n  container_definitions = jsonencode([{\n"
    '    name                   = "api"\n    image                  = "public.ecr.aws/nginx/nginx:1.27"\n'
    "    essential              = true\n    privileged             = false\n    readonlyRootFilesystem = true\n  }])\n"
    "}",
    tags=("containers",),
)
def aws_container_privileged(resource):
    return privileged_containers(resource)


def privileged_containers(resource: Resource) -> list[Fail] | None:
    """A Fail per container of a task or job definition that runs privileged or adds a host-level capability."""
    attribute, items = containers(resource)
    verdict = Verdict()
    for label, container in items:
        with verdict.item():
            if is_true(_field(container, "privileged", attribute)):
                verdict.fail(attribute, f"{label} runs privileged")
                continue
            linux = _field(container, "linuxParameters", attribute)
            capabilities = _field(linux, "capabilities", attribute) if isinstance(linux, dict) else None
            added = _field(capabilities, "add", attribute) if isinstance(capabilities, dict) else None
            for capability in added if isinstance(added, list) else []:
                with verdict.item():
                    if isinstance(capability, Unknown):
                        raise UnknownValue(attribute, capability.reason)
                    if str(capability).upper().removeprefix("CAP_") in DANGEROUS_CAPABILITIES:
                        verdict.fail(attribute, f"{label} adds capability {capability}")
    return verdict.result()


ROOT_USERS = {"root", "0"}


# medium: root inside the container makes any container escape or host mount far worse
@check(
    id="IG-AWS-160",
    title="Container is configured to run as root (ECS, Batch)",
    severity="medium",
    framework="terraform",
    types=CONTAINER_TYPES,
    cwe="CWE-250",
    description='A container definition whose "user" is root or 0 (with any group) runs the application as root, '
    "overriding a non-root USER the image may set; a bug in the application then has root's rights in the "
    "container and on any mounted host path. Definitions that leave the user to the image are not reported.",
    remediation='Set "user" to a non-root uid such as "1000:1000" (and build the image to run as that user).',
    example='resource "aws_ecs_task_definition" "worker" {\n  family                = "worker"\n'
    '  container_definitions = jsonencode([{\n    name      = "worker"\n'
    '    image     = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker:2.3.1"\n    essential = true\n'
    '    user      = "1000:1000"\n  }])\n}',
    tags=("containers",),
)
def aws_container_root_user(resource):
    attribute, items = containers(resource)
    verdict = Verdict()
    for label, container in items:
        with verdict.item():
            user = _field(container, "user", attribute)
            if user is not None and str(user).strip().split(":")[0].lower() in ROOT_USERS:
                verdict.fail(attribute, f"{label} runs as user {user!r}")
    return verdict.result()


# high: host network/PID namespaces reach the instance metadata credentials and every process on the host
@check(
    id="IG-AWS-161",
    title="ECS task shares the host's network or process namespace",
    severity="high",
    framework="terraform",
    types=["aws_ecs_task_definition"],
    cwe="CWE-668",
    description='network_mode = "host" puts the containers on the instance\'s network stack (every port they open '
    "is the host's, and they reach the instance metadata service and the instance role's credentials even when "
    'task roles are used); pid_mode = "host" lets them see and signal every process on the instance.',
    remediation='Use network_mode = "awsvpc" (or bridge) and drop pid_mode = "host"; give each task its own task role.',
    example='resource "aws_ecs_task_definition" "api" {\n  family                = "api"\n'
    '  network_mode          = "awsvpc"\n  container_definitions = jsonencode([{\n    name      = "api"\n'
    '    image     = "public.ecr.aws/nginx/nginx:1.27"\n    essential = true\n  }])\n}',
    tags=("containers", "network"),
)
def aws_ecs_host_namespaces(resource):
    verdict = Verdict()
    for path in ("network_mode", "pid_mode", "ipc_mode"):
        with verdict.item():
            if str(resource.get(path, "")).lower() == "host":
                verdict.fail(path, f'{path} is "host": the task shares the instance\'s namespace')
    return verdict.result()


# low: hardening; a writable root filesystem helps an attacker persist but exposes nothing
@check(
    id="IG-AWS-162",
    title="Container root filesystem is writable (ECS, Batch)",
    severity="low",
    framework="terraform",
    types=CONTAINER_TYPES,
    cwe="CWE-732",
    description='Without "readonlyRootFilesystem": true (off by default) an attacker who gets code execution in the '
    "container can replace binaries, drop tools and persist changes for the life of the task.",
    remediation='Set "readonlyRootFilesystem": true and mount volumes (or a tmpfs) for the paths the application '
    "writes to.",
    example='resource "aws_ecs_task_definition" "api" {\n  family                = "api"\n'
    '  container_definitions = jsonencode([{\n    name                   = "api"\n'
    '    image                  = "public.ecr.aws/nginx/nginx:1.27"\n    essential              = true\n'
    "    readonlyRootFilesystem = true\n  }])\n}",
    tags=("containers",),
)
def aws_container_writable_root(resource):
    attribute, items = containers(resource)
    verdict = Verdict()
    key = "readonlyRootFilesystem"
    for label, container in items:
        with verdict.item():
            if not is_true(_field(container, key, attribute)):
                verdict.fail(attribute, f"{label} has a writable root filesystem")
    return verdict.result()


def _container_environment_secrets(resource: Resource, verdict: Verdict) -> None:
    """Fails for the environment variables of the JSON container definitions that hold a secret."""
    attribute, items = containers(resource)
    for label, container in items:
        with verdict.item():
            for entry in _field(container, "environment", attribute) or []:
                with verdict.item():
                    name = _field(entry, "name", attribute)
                    value = entry.get("value") if isinstance(entry, dict) else None
                    kind = _secret_in(str(name), value, attribute) if name is not None else None
                    if kind:
                        verdict.fail(attribute, f"{label} environment variable {name} holds a secret ({kind})")


def _beanstalk_property_secrets(resource: Resource, verdict: Verdict) -> None:
    """Fails for the environment properties (a setting's name, then its value) that hold a secret."""
    for path in block_paths(resource, "setting", verdict):
        with verdict.item():
            if resource.get(f"{path}.namespace") != "aws:elasticbeanstalk:application:environment":
                continue
            name = str(resource.get(f"{path}.name"))
            kind = _secret_in(name, _raw(resource, f"{path}.value"), f"{path}.value")
            if kind:
                verdict.fail(f"{path}.value", f"environment property {name} holds a secret ({kind})")


def _raw(resource: Resource, path: str) -> Any:
    """The value at `path`, or an `Unknown` standing for it, for code that decides itself whether unknown matters."""
    try:
        return resource.get(path)
    except UnknownValue as exc:
        return Unknown(exc.reason)


# high: credentials readable by anyone who can describe the task or environment, and copied into state and logs
@check(
    id="IG-AWS-163",
    title="Container definition or Beanstalk environment property holds a hard-coded secret",
    severity="high",
    framework="terraform",
    types=["aws_ecs_task_definition", "aws_batch_job_definition", "aws_elastic_beanstalk_environment"],
    cwe="CWE-798",
    description="An environment variable of an ECS container definition or Batch job (inside the JSON document), or "
    "an Elastic Beanstalk environment property (a setting's name, then its value), whose name says it is a "
    "password, secret, token or key (DB_PASSWORD, dbPassword, vaultpassword, API_KEY...) with a literal value, or "
    "whose value is a credential that identifies itself (an AWS access key, a private key, a token), is stored "
    "in clear in the code, the Terraform state and the service's configuration, where anyone allowed to describe "
    "the task or environment can read it. Placeholders and references are not reported. Plain attributes, such "
    "as a Lambda function's environment map, are judged by IG-SEC-001.",
    remediation="Keep the value in Secrets Manager or SSM Parameter Store and inject it: `secrets` with valueFrom "
    "in ECS and Batch container definitions, or read it at start-up on Beanstalk; then rotate the exposed value.",
    example='resource "aws_ecs_task_definition" "api" {\n  family = "api"\n  container_definitions = jsonencode([{\n'
    '    name        = "api"\n    image       = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:4.2.0"\n'
    '    essential   = true\n    environment = [{ name = "LOG_LEVEL", value = "info" }]\n'
    '    secrets     = [{ name = "DB_PASSWORD", valueFrom = "arn:aws:ssm:eu-west-1:123456789012:parameter/api/db" }]\n'
    "  }])\n}",
    tags=("secrets",),
)
def aws_environment_secrets(resource):
    verdict = Verdict()
    if resource.type == "aws_elastic_beanstalk_environment":
        _beanstalk_property_secrets(resource, verdict)
    else:
        _container_environment_secrets(resource, verdict)
    return verdict.result()


def _user_data_text(resource: Resource, path: str) -> str | None:
    """User data as text: base64 decoded for the arguments that take it encoded."""
    value = resource.get(path)
    if not isinstance(value, str) or not value:
        return None
    if path == "user_data_base64" or resource.type == "aws_launch_template":
        try:
            return base64.b64decode(value, validate=True).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            return value
    return value


# high: user data is readable by anyone with ec2:DescribeInstanceAttribute and from inside the instance by any process
@check(
    id="IG-AWS-164",
    title="EC2 user data contains a hard-coded credential",
    severity="high",
    framework="terraform",
    types=["aws_instance", "aws_launch_template", "aws_launch_configuration"],
    cwe="CWE-798",
    description="User data is not secret: any process on the instance reads it from the metadata service, and anyone "
    "allowed ec2:DescribeInstanceAttribute or DescribeLaunchTemplateVersions reads it through the API. A "
    "`PASSWORD=...` assignment of a literal in the script, or any credential in base64-encoded user data (launch "
    "templates, user_data_base64), is a leaked credential. (A self-identifying credential such as an access key "
    "in plain user_data is reported by IG-SEC-001.)",
    remediation="Give the instance an instance profile instead of access keys, and fetch other secrets at boot from "
    "Secrets Manager or SSM Parameter Store.",
    example='resource "aws_instance" "web" {\n  ami                  = data.aws_ami.al2023.id\n'
    '  instance_type        = "t3.micro"\n  iam_instance_profile = aws_iam_instance_profile.web.name\n'
    "  user_data            = <<-EOT\n    #!/bin/bash\n    dnf install -y nginx\n"
    "    DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id web-db --query SecretString --output text)\n"
    "    systemctl enable --now nginx\n  EOT\n}",
    tags=("secrets",),
)
def aws_user_data_secrets(resource):
    verdict = Verdict()
    for path in ("user_data", "user_data_base64"):
        with verdict.item():
            text = _user_data_text(resource, path)
            # a credential that identifies itself in plain user_data is IG-SEC-001's; encoded, only this check sees it
            encoded = text is not None and text != resource.get(path)
            found = script_secrets(text, self_identifying=encoded) if text else []
            if found:
                verdict.fail(path, f"user data contains {', '.join(found)}")
    return verdict.result()


# info: operational visibility (1-minute metrics); no security exposure
@check(
    id="IG-AWS-165",
    title="EC2 detailed monitoring is disabled",
    severity="info",
    framework="terraform",
    types=["aws_instance", "aws_launch_template"],
    cwe="CWE-778",
    description="Without detailed monitoring instance metrics arrive every 5 minutes instead of every minute, so "
    "alarms on CPU or network spikes (crypto-mining, exfiltration) fire later. Severity info: this is visibility, "
    "not exposure.",
    remediation="Set monitoring = true on aws_instance, or monitoring { enabled = true } in the launch template.",
    example='resource "aws_instance" "web" {\n  ami           = data.aws_ami.al2023.id\n  instance_type = "t3.micro"\n'
    "  monitoring    = true\n}",
    tags=("logging",),
)
def aws_ec2_detailed_monitoring(resource):
    if resource.type == "aws_instance":
        if is_true(resource.get("monitoring")):
            return None
        return Fail(written(resource, "monitoring"), "detailed monitoring is off")
    block = first_block(resource, "monitoring")
    if block is not None and is_true(resource.get(f"{block}.enabled")):
        return None
    at = written(resource, f"{block}.enabled", block) if block else None
    return Fail(at, "detailed monitoring is off for instances launched from this template")


# low: Kubernetes secrets are envelope-encrypted with an AWS owned key since 2025; a customer key adds control
@check(
    id="IG-AWS-166",
    title="EKS cluster does not encrypt Kubernetes secrets with a customer managed key",
    severity="low",
    framework="terraform",
    types=["aws_eks_cluster"],
    cwe="CWE-311",
    description="Without an encryption_config for secrets, Kubernetes secrets in etcd are protected only by the "
    "default envelope encryption with an AWS owned key (clusters created before that default keep them with "
    "disk encryption only): their decryption cannot be restricted or audited through a key policy.",
    remediation='Add encryption_config { resources = ["secrets"], provider { key_arn = aws_kms_key.eks.arn } }.',
    example='resource "aws_eks_cluster" "main" {\n  name     = "main"\n  role_arn = aws_iam_role.eks.arn\n\n'
    "  vpc_config {\n    subnet_ids = var.private_subnet_ids\n  }\n\n  encryption_config {\n"
    '    resources = ["secrets"]\n    provider {\n      key_arn = aws_kms_key.eks.arn\n    }\n  }\n}',
    tags=("kubernetes", "encryption"),
)
def aws_eks_secrets_encryption(resource):
    verdict = Verdict()
    blocks = block_paths(resource, "encryption_config", verdict)
    for path in blocks:
        with verdict.item():
            resources = resource.get(f"{path}.resources") or []
            if any(str(r).lower() == "secrets" for r in resources):
                return None
    verdict.result()
    at = f"{blocks[0]}.resources" if blocks else None
    return Fail(at, "Kubernetes secrets are not encrypted with a customer managed KMS key")


EKS_AUDIT_LOGS = ("api", "audit", "authenticator")


# medium: the Kubernetes audit trail is the primary record of who did what in the cluster
@check(
    id="IG-AWS-167",
    title="EKS control plane audit logging is incomplete",
    severity="medium",
    framework="terraform",
    types=["aws_eks_cluster"],
    cwe="CWE-778",
    description="enabled_cluster_log_types is empty by default: without the api, audit and authenticator logs there "
    "is no record of who read secrets, created pods or bound roles, and no way to scope a cluster compromise.",
    remediation='Set enabled_cluster_log_types = ["api", "audit", "authenticator"] (plus controllerManager and '
    "scheduler if useful) and a retention on the /aws/eks/<name>/cluster log group.",
    example='resource "aws_eks_cluster" "main" {\n  name                      = "main"\n'
    "  role_arn                  = aws_iam_role.eks.arn\n"
    '  enabled_cluster_log_types = ["api", "audit", "authenticator"]\n\n'
    "  vpc_config {\n    subnet_ids = var.private_subnet_ids\n  }\n}",
    tags=("kubernetes", "logging"),
    fix=SetValue(
        "enabled_cluster_log_types",
        ["api", "audit", "authenticator", "controllerManager", "scheduler"],
        unsafe="control plane logs, the audit log above all, are billed by CloudWatch Logs ingestion",
    ),
)
def aws_eks_control_plane_logs(resource):
    enabled = {str(t).lower() for t in resource.get("enabled_cluster_log_types") or []}
    missing = [t for t in EKS_AUDIT_LOGS if t not in enabled]
    if missing:
        return Fail(written(resource, "enabled_cluster_log_types"), f"control plane logs missing: {', '.join(missing)}")
    return None


# high: SSH to every node from the internet
@check(
    id="IG-AWS-168",
    title="EKS node group allows SSH from anywhere",
    severity="high",
    framework="terraform",
    types=["aws_eks_node_group"],
    cwe="CWE-284",
    description="A remote_access block with an ec2_ssh_key and no source_security_group_ids makes EKS open port 22 "
    "on every node to 0.0.0.0/0; nodes in public subnets then accept SSH attempts from the whole internet.",
    remediation="Set source_security_group_ids to a bastion's or VPN's security group, or drop remote_access and use "
    "Session Manager.",
    example='resource "aws_eks_node_group" "workers" {\n  cluster_name    = aws_eks_cluster.main.name\n'
    '  node_group_name = "workers"\n  node_role_arn   = aws_iam_role.node.arn\n'
    "  subnet_ids      = var.private_subnet_ids\n\n"
    "  scaling_config {\n    desired_size = 3\n    max_size     = 6\n    min_size     = 3\n  }\n\n"
    '  remote_access {\n    ec2_ssh_key               = "ops"\n'
    "    source_security_group_ids = [aws_security_group.bastion.id]\n  }\n}",
    tags=("kubernetes", "network"),
)
def aws_eks_node_group_ssh(resource):
    block = first_block(resource, "remote_access")
    if block is None or not configured(resource, f"{block}.ec2_ssh_key"):
        return None
    if configured(resource, f"{block}.source_security_group_ids"):
        return None
    return Fail(block, "remote_access has an SSH key but no source_security_group_ids: port 22 is open to 0.0.0.0/0")


# medium: file data in clear between the task and the file system
@check(
    id="IG-AWS-169",
    title="ECS task mounts EFS without transit encryption",
    severity="medium",
    framework="terraform",
    types=["aws_ecs_task_definition"],
    cwe="CWE-319",
    description='An efs_volume_configuration without transit_encryption = "ENABLED" (disabled by default) mounts '
    "the file system over plain NFS: file contents cross the network unencrypted, and IAM authorization to the "
    "file system cannot be used.",
    remediation='Set transit_encryption = "ENABLED" (and authorization_config { iam = "ENABLED" }).',
    example='resource "aws_ecs_task_definition" "cms" {\n  family = "cms"\n  container_definitions = jsonencode([{\n'
    '    name      = "cms"\n    image     = "public.ecr.aws/docker/library/wordpress:6.6"\n    essential = true\n'
    '  }])\n\n  volume {\n    name = "uploads"\n    efs_volume_configuration {\n'
    "      file_system_id     = aws_efs_file_system.uploads.id\n"
    '      transit_encryption = "ENABLED"\n    }\n  }\n}',
    tags=("encryption", "containers"),
    fix=SetValue(
        "transit_encryption",
        "ENABLED",
        unsafe="a task definition change forces a new revision and redeploys its services, and the mount then needs "
        "the EFS mount helper's TLS support",
    ),
)
def aws_ecs_efs_transit(resource):
    verdict = Verdict()
    for volume in block_paths(resource, "volume", verdict):
        for efs in block_paths(resource, f"{volume}.efs_volume_configuration", verdict):
            with verdict.item():
                mode = resource.get(f"{efs}.transit_encryption")
                if str(mode or "DISABLED").upper() != "ENABLED":
                    verdict.fail(
                        written(resource, f"{efs}.transit_encryption", efs), "EFS volume is mounted without TLS"
                    )
    return verdict.result()


# low: tags can be overwritten so a deployed tag may silently point at different code
@check(
    id="IG-AWS-170",
    title="ECR repository allows image tags to be overwritten",
    severity="low",
    framework="terraform",
    types=["aws_ecr_repository"],
    cwe="CWE-494",
    description='image_tag_mutability defaults to "MUTABLE": whoever can push can replace the image behind a '
    "released tag, so what runs in production is no longer what was reviewed and scanned.",
    remediation='Set image_tag_mutability = "IMMUTABLE" (or IMMUTABLE_WITH_EXCLUSION for a few moving tags).',
    example='resource "aws_ecr_repository" "api" {\n  name                 = "api"\n'
    '  image_tag_mutability = "IMMUTABLE"\n\n'
    "  image_scanning_configuration {\n    scan_on_push = true\n  }\n}",
    tags=("containers",),
    fix=SetValue(
        "image_tag_mutability",
        "IMMUTABLE",
        unsafe="pipelines that push the same tag again (latest, a branch name) are refused",
    ),
)
def aws_ecr_mutable_tags(resource):
    mode = resource.get("image_tag_mutability") or "MUTABLE"
    if str(mode).upper().startswith("MUTABLE"):
        return Fail(written(resource, "image_tag_mutability"), f"image_tag_mutability is {mode!r}")
    return None


# high: anyone on the internet can invoke the function, with no signature or identity
@check(
    id="IG-AWS-171",
    title="Lambda function URL does not require authentication",
    severity="high",
    framework="terraform",
    types=["aws_lambda_function_url"],
    cwe="CWE-306",
    description='authorization_type = "NONE" makes the function URL a public HTTPS endpoint: anyone who finds it can '
    "invoke the function with any payload, run up its cost and reach whatever its execution role can.",
    remediation='Set authorization_type = "AWS_IAM" and sign requests (or put CloudFront with origin access control '
    "in front); keep NONE only for endpoints that authenticate every request themselves, such as signed webhooks.",
    example='resource "aws_lambda_function_url" "report" {\n'
    "  function_name      = aws_lambda_function.report.function_name\n"
    '  authorization_type = "AWS_IAM"\n}',
    tags=("public",),
    fix=SetValue(
        "authorization_type",
        "AWS_IAM",
        unsafe="callers must then sign their requests with SigV4; anonymous callers are refused",
    ),
)
def aws_lambda_url_public(resource):
    if str(resource.get("authorization_type", "")).upper() == "NONE":
        return Fail("authorization_type", "function URL is callable by anyone without authentication")
    return None


# Runtimes past their AWS Lambda deprecation date (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html):
# no more security patches from AWS, and function creation and updates are then blocked. Only deprecations that
# have happened are listed (the last: python3.9 on 2025-12-15); projected dates move, so a runtime joins the list
# once AWS has deprecated it.
DEPRECATED_RUNTIMES = {
    "nodejs",
    "nodejs4.3",
    "nodejs4.3-edge",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "nodejs16.x",
    "nodejs18.x",  # 2025-09-01
    "python2.7",
    "python3.6",
    "python3.7",
    "python3.8",
    "python3.9",  # 2025-12-15
    "ruby2.5",
    "ruby2.7",
    "java8",
    "go1.x",
    "provided",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "dotnet5.0",
    "dotnet6",
    "dotnet7",
}


# medium: an unpatched language runtime accumulates known vulnerabilities
@check(
    id="IG-AWS-172",
    title="Lambda function uses a deprecated runtime",
    severity="medium",
    framework="terraform",
    types=["aws_lambda_function"],
    cwe="CWE-1104",
    description="Once AWS deprecates a Lambda runtime it stops applying security patches to it, and later blocks "
    "creating and updating functions that use it; the function keeps running on an unmaintained language "
    "version and operating system.",
    remediation='Move to a supported runtime (e.g. "python3.13", "nodejs22.x", "java21", "provided.al2023") and '
    "test the function on it.",
    example='resource "aws_lambda_function" "report" {\n  function_name = "report"\n'
    "  role          = aws_iam_role.report.arn\n"
    '  runtime       = "python3.13"\n  handler       = "app.handler"\n  filename      = "report.zip"\n}',
    tags=("patching",),
)
def aws_lambda_deprecated_runtime(resource):
    runtime = resource.get("runtime")
    if isinstance(runtime, str) and runtime.strip().lower() in DEPRECATED_RUNTIMES:
        return Fail("runtime", f"runtime {runtime!r} is deprecated and no longer patched")
    return None


# low: environment variables are encrypted with an AWS managed key; a customer key restricts who can decrypt
@check(
    id="IG-AWS-173",
    title="Lambda environment variables are not encrypted with a customer managed key",
    severity="low",
    framework="terraform",
    types=["aws_lambda_function"],
    cwe="CWE-311",
    description="A function with environment variables and no kms_key_arn encrypts them with the aws/lambda key, "
    "which every principal allowed lambda:GetFunctionConfiguration can use to read them in clear.",
    remediation="Set kms_key_arn to a customer managed key whose policy allows only the function's role and its "
    "administrators (and keep secrets out of environment variables altogether).",
    example='resource "aws_lambda_function" "report" {\n  function_name = "report"\n'
    "  role          = aws_iam_role.report.arn\n"
    '  runtime       = "python3.13"\n  handler       = "app.handler"\n  filename      = "report.zip"\n'
    "  kms_key_arn   = aws_kms_key.lambda.arn\n\n  environment {\n    variables = {\n"
    '      LOG_LEVEL = "info"\n    }\n  }\n}\n\nresource "aws_kms_key" "lambda" {\n'
    '  description         = "report function environment"\n  enable_key_rotation = true\n}',
    tags=("encryption",),
)
def aws_lambda_env_no_cmk(resource):
    block = first_block(resource, "environment")
    if block is None or not configured(resource, f"{block}.variables"):
        return None
    if configured(resource, "kms_key_arn"):
        return None
    return Fail(written(resource, "kms_key_arn"), "environment variables are encrypted with the AWS managed key")


def _lambda_at_edge(graph, function: Resource) -> bool:
    """A Lambda@Edge function: associated with a CloudFront distribution, or its role trusts edgelambda.amazonaws.com.

    Evidence that only exempts a function, so an unknown trust policy counts as no evidence."""
    if graph.predecessors(function, kind="references", type="aws_cloudfront_distribution"):
        return True
    for role in graph.links(function, "role", "aws_iam_role").targets:
        try:
            document = policy_document(role, "assume_role_policy")
        except UnknownValue:
            continue
        if "edgelambda.amazonaws.com" in json.dumps(document, default=str):
            return True
    return False


# low: tracing is visibility, not protection
@check(
    id="IG-AWS-174",
    title="Lambda function has X-Ray active tracing disabled",
    severity="low",
    framework="terraform",
    types=["aws_lambda_function"],
    cwe="CWE-778",
    description='tracing_config mode defaults to "PassThrough": requests are traced only when an upstream service '
    "sampled them, so calls from the function to other services are invisible when investigating abuse. "
    "Lambda@Edge functions, which do not support X-Ray, are not reported.",
    remediation='Add tracing_config { mode = "Active" } and allow xray:PutTraceSegments in the function\'s role.',
    example='resource "aws_lambda_function" "report" {\n  function_name = "report"\n'
    "  role          = aws_iam_role.report.arn\n"
    '  runtime       = "python3.13"\n  handler       = "app.handler"\n  filename      = "report.zip"\n\n'
    '  tracing_config {\n    mode = "Active"\n  }\n}',
    graph=True,
    tags=("logging",),
    fix=SetValue(
        "tracing_config.0.mode",
        "Active",
        unsafe="the function's role needs X-Ray write permission or the update fails, and X-Ray bills the traces",
    ),
)
def aws_lambda_tracing(resource, graph):
    if _lambda_at_edge(graph, resource):
        return None  # Lambda@Edge does not support X-Ray tracing
    block = first_block(resource, "tracing_config")
    mode = resource.get(f"{block}.mode") if block else None
    if str(mode).lower() == "active":
        return None
    at = written(resource, f"{block}.mode", block) if block else None
    return Fail(at, f"tracing mode is {mode or 'PassThrough'!r}")


# low: patching; the environment keeps running a platform with known fixes unapplied
@check(
    id="IG-AWS-175",
    title="Elastic Beanstalk managed platform updates are disabled",
    severity="low",
    framework="terraform",
    types=["aws_elastic_beanstalk_environment"],
    cwe="CWE-1104",
    description="Without managed actions (the aws:elasticbeanstalk:managedactions namespace, ManagedActionsEnabled) "
    "the environment's platform - operating system, web server, language runtime - is only patched when someone "
    "updates it by hand.",
    remediation='Add setting blocks namespace = "aws:elasticbeanstalk:managedactions", ManagedActionsEnabled = "true" '
    'with a PreferredStartTime, and aws:elasticbeanstalk:managedactions:platformupdate UpdateLevel = "minor".',
    example='resource "aws_elastic_beanstalk_environment" "web" {\n  name                = "web"\n'
    "  application         = aws_elastic_beanstalk_application.web.name\n"
    '  solution_stack_name = "64bit Amazon Linux 2023 v4.3.0 running Python 3.11"\n\n  setting {\n'
    '    namespace = "aws:elasticbeanstalk:managedactions"\n    name      = "ManagedActionsEnabled"\n'
    '    value     = "true"\n  }\n\n  setting {\n    namespace = "aws:elasticbeanstalk:managedactions"\n'
    '    name      = "PreferredStartTime"\n    value     = "Sun:02:00"\n  }\n\n  setting {\n'
    '    namespace = "aws:elasticbeanstalk:managedactions:platformupdate"\n    name      = "UpdateLevel"\n'
    '    value     = "minor"\n  }\n}',
    tags=("patching",),
)
def aws_beanstalk_managed_updates(resource):
    verdict = Verdict()
    for path in block_paths(resource, "setting", verdict):
        with verdict.item():
            if resource.get(f"{path}.namespace") == "aws:elasticbeanstalk:managedactions" and (
                resource.get(f"{path}.name") == "ManagedActionsEnabled"
            ):
                if is_true(resource.get(f"{path}.value")):
                    return None
                if is_false(resource.get(f"{path}.value")):
                    return Fail(f"{path}.value", "managed platform updates are disabled")
    verdict.result()
    return Fail(None, "managed platform updates are not enabled")


# medium: every new instance of the region accepts IMDSv1 unless its own configuration says otherwise
@check(
    id="IG-AWS-209",
    title="Account default for instance metadata allows IMDSv1",
    severity="medium",
    framework="terraform",
    types=["aws_ec2_instance_metadata_defaults"],
    cwe="CWE-918",
    compliance={"cis-aws-3.0": ["5.6"]},
    description='http_tokens = "optional" makes IMDSv1 the account-wide default for new instances of the region, so '
    "any instance launched without its own metadata_options lets a server-side request forgery read its role's "
    "credentials with a plain GET.",
    remediation='Set http_tokens = "required" (and http_put_response_hop_limit = 1 unless containers need 2).',
    example='resource "aws_ec2_instance_metadata_defaults" "this" {\n  http_tokens                 = "required"\n'
    "  http_put_response_hop_limit = 1\n}",
    fix=SetValue(
        "http_tokens",
        "required",
        unsafe="software still using IMDSv1 (old SDKs and agents) on instances launched afterwards loses instance "
        "metadata and credentials",
    ),
)
def aws_imds_account_default(resource):
    if str(resource.get("http_tokens", "")).lower() == "optional":
        return Fail("http_tokens", 'account default http_tokens is "optional": IMDSv1 is allowed')
    return None


# info: placement, not exposure; many functions need no VPC
@check(
    id="IG-AWS-210",
    title="Lambda function is not attached to a VPC",
    severity="info",
    framework="terraform",
    types=["aws_lambda_function"],
    cwe="CWE-284",
    description="A function without vpc_config runs in AWS's network with unrestricted internet egress: its "
    "traffic cannot be limited by security groups, VPC endpoint policies or a proxy, nor recorded in flow logs. "
    "Severity info: functions that only call public AWS APIs often have no reason to be in a VPC. Lambda@Edge "
    "functions (associated with a CloudFront distribution, or whose role trusts edgelambda.amazonaws.com), which "
    "cannot run in a VPC, are not reported.",
    remediation="Add vpc_config { subnet_ids = private subnets, security_group_ids = [...] } for functions that "
    "handle sensitive data, with VPC endpoints or NAT for the services they call.",
    example='resource "aws_lambda_function" "report" {\n  function_name = "report"\n'
    "  role          = aws_iam_role.report.arn\n"
    '  runtime       = "python3.13"\n  handler       = "app.handler"\n  filename      = "report.zip"\n\n'
    '  vpc_config {\n    subnet_ids         = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]\n'
    '    security_group_ids = ["sg-0a1b2c3d4e5f"]\n  }\n}',
    graph=True,
    tags=("network",),
)
def aws_lambda_no_vpc(resource, graph):
    if _lambda_at_edge(graph, resource):
        return None  # Lambda@Edge functions cannot run in a VPC
    block = first_block(resource, "vpc_config")
    if block is not None and configured(resource, f"{block}.subnet_ids"):
        return None
    at = written(resource, f"{block}.subnet_ids", block) if block else None
    return Fail(at, "the function is not attached to a VPC")


# low: monitoring gap for container workloads
@check(
    id="IG-AWS-211",
    title="ECS cluster has Container Insights disabled",
    severity="low",
    framework="terraform",
    types=["aws_ecs_cluster"],
    cwe="CWE-778",
    description="Without the containerInsights setting (disabled unless the account default - an "
    "aws_ecs_account_setting_default in the same configuration counts - enables it) the "
    "cluster publishes no per-task CPU, memory and network metrics, so a compromised task mining or "
    "exfiltrating data goes unnoticed.",
    remediation='Add setting { name = "containerInsights", value = "enabled" } (or "enhanced").',
    example='resource "aws_ecs_cluster" "main" {\n  name = "main"\n\n  setting {\n    name  = "containerInsights"\n'
    '    value = "enhanced"\n  }\n}',
    graph=True,
    tags=("logging", "containers"),
)
def aws_ecs_container_insights(resource, graph):
    verdict = Verdict()
    for path in block_paths(resource, "setting", verdict):
        with verdict.item():
            if resource.get(f"{path}.name") == "containerInsights":
                value = str(resource.get(f"{path}.value", "")).lower()
                if value in ("enabled", "enhanced"):
                    return None
                return Fail(f"{path}.value", f"containerInsights is {value!r}")
    verdict.result()
    if _insights_account_default(graph, resource):
        return None
    return Fail(None, "no containerInsights setting: Container Insights is off")


def _insights_account_default(graph, cluster: Resource) -> bool:
    """An aws_ecs_account_setting_default in the same root that turns Container Insights on for new clusters."""
    return any(
        setting.scope == cluster.scope
        and setting.get("name") == "containerInsights"
        and str(setting.get("value", "")).lower() in ("enabled", "enhanced")
        for setting in graph.resources("terraform", "aws_ecs_account_setting_default")
    )


# low: shell sessions into running containers leave no record
@check(
    id="IG-AWS-218",
    title="ECS Exec sessions on the cluster are not logged",
    severity="low",
    framework="terraform",
    types=["aws_ecs_cluster"],
    cwe="CWE-778",
    description='execute_command_configuration { logging = "NONE" } turns off the record of ECS Exec sessions: '
    "commands an operator - or an attacker with ecs:ExecuteCommand - runs inside production containers leave "
    "no trace in CloudWatch Logs or S3.",
    remediation='Set logging = "DEFAULT" (the task\'s awslogs configuration) or "OVERRIDE" with a log_configuration '
    "to a CloudWatch log group or S3 bucket.",
    example='resource "aws_ecs_cluster" "main" {\n  name = "main"\n\n  configuration {\n'
    '    execute_command_configuration {\n      logging = "OVERRIDE"\n\n      log_configuration {\n'
    '        cloud_watch_log_group_name = "/aws/ecs/exec/main"\n      }\n    }\n  }\n}',
    tags=("logging", "containers"),
    fix=SetValue("configuration.0.execute_command_configuration.0.logging", "DEFAULT"),
)
def aws_ecs_exec_not_logged(resource):
    configuration = first_block(resource, "configuration")
    block = first_block(resource, f"{configuration}.execute_command_configuration") if configuration else None
    if block is not None and str(resource.get(f"{block}.logging", "")).upper() == "NONE":
        return Fail(f"{block}.logging", "ECS Exec session logging is NONE")
    return None


# medium: every instance of the environment accepts IMDSv1, the target of SSRF credential theft
@check(
    id="IG-AWS-219",
    title="Elastic Beanstalk environment allows IMDSv1",
    severity="medium",
    framework="terraform",
    types=["aws_elastic_beanstalk_environment"],
    cwe="CWE-918",
    compliance={"cis-aws-3.0": ["5.6"]},
    description='The aws:autoscaling:launchconfiguration setting DisableIMDSv1 = "false" keeps IMDSv1 on the '
    "environment's instances, so a server-side request forgery in the application can read the instance "
    "profile's credentials with a plain GET.",
    remediation='Set DisableIMDSv1 = "true" in the aws:autoscaling:launchconfiguration namespace.',
    example='resource "aws_elastic_beanstalk_environment" "web" {\n  name                = "web"\n'
    '  application         = "web"\n  solution_stack_name = "64bit Amazon Linux 2023 v4.3.0 running Python 3.11"\n\n'
    '  setting {\n    namespace = "aws:autoscaling:launchconfiguration"\n    name      = "DisableIMDSv1"\n'
    '    value     = "true"\n  }\n}',
    fix=SetValue(
        "value",
        "true",
        unsafe="software still using IMDSv1 (old SDKs and agents) on the environment's instances loses instance "
        "metadata and credentials",
    ),
)
def aws_beanstalk_imdsv1(resource):
    verdict = Verdict()
    for path in block_paths(resource, "setting", verdict):
        with verdict.item():
            option = (resource.get(f"{path}.namespace"), resource.get(f"{path}.name"))
            if option == ("aws:autoscaling:launchconfiguration", "DisableIMDSv1") and is_false(
                resource.get(f"{path}.value")
            ):
                verdict.fail(f"{path}.value", 'DisableIMDSv1 is "false": instances accept IMDSv1')
    return verdict.result()
