"""AWS compute and containers for Terraform: EC2, EKS, ECS, ECR, Lambda, Batch, App Runner, Beanstalk.

ECS container definitions and Batch container properties are JSON strings; they are decoded with the
partly known JSON the evaluator keeps for `jsonencode` (like policies), so a definition whose image
tag is known only after apply is still judged on its known fields. Secrets in environment variables
and user data are recognised by a small shared value-shape test (`secret_reason`), not a full secrets
detector. IMDSv2 (IG-AWS-008) and public EKS endpoints (IG-AWS-015) are judged elsewhere.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from checks._helpers import Verdict, block_paths, first_block, is_false, is_true, policy_document, written
from checks.aws_data import configured
from scanner.records import PartialDocument, Resource, Unknown, UnknownValue
from scanner.registry import Fail, check

# --- secrets by shape ------------------------------------------------------------------------------

AWS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])")
PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----")
# scheme://user:password@host, the password not being an interpolation (${...}, $VAR, <...>)
URL_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]*:([^/\s@]+)@", re.IGNORECASE)
# Words that make a variable name a credential, compared on the name lowercased without separators, so
# DB_PASSWORD, dbPassword and vaultpassword all match.
SECRET_WORDS = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "privatekey",
    "accesskey",
    "credential",
    "authkey",
    "signingkey",
    "encryptionkey",
    "masterkey",
)
# Name endings that describe a secret without holding it: DB_PASSWORD_FILE, SECRET_ARN, TOKEN_URL...
REFERENCE_SUFFIXES = (
    "arn",
    "name",
    "file",
    "path",
    "url",
    "uri",
    "endpoint",
    "id",
    "ids",
    "ttl",
    "length",
    "expiry",
    "expiration",
    "timeout",
    "type",
    "header",
    "version",
    "region",
    "enabled",
    "parameter",
    "param",
    "location",
    "policy",
    "rotation",
    "field",
    "prefix",
    "key",
    "secretsmanager",
    "ssm",
    "issuer",
    "audience",
    "scope",
    "scopes",
    "algorithm",
    "format",
    "mode",
    "size",
    "count",
    "limit",
    "seconds",
    "ms",
    "duration",
    "lifetime",
    "interval",
    "host",
    "port",
    "user",
    "username",
    "provider",
    "method",
    "cache",
)
# Whole name parts that mean a password on their own (DB_PASS, dbPass, SMTP_PWD), too short to match inside words.
SECRET_PARTS = {"pass", "pwd", "passwd"}
PLACEHOLDER_VALUES = {
    "changeme",
    "changeit",
    "replaceme",
    "todo",
    "tbd",
    "none",
    "null",
    "nil",
    "undefined",
    "dummy",
    "example",
    "sample",
    "placeholder",
    "redacted",
    "secret",
    "password",
    "token",
    "true",
    "false",
    "yes",
    "no",
}
PLACEHOLDER_SHAPES = re.compile(
    r"<[^<>]*>|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\{\{.*\}\}|%[A-Za-z_]+%|[*x.#_-]+|your.*|.*here", re.IGNORECASE
)


def _secret_name(name: str) -> bool:
    flat = re.sub(r"[^a-z0-9]", "", name.lower())
    parts = {p.lower() for p in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", name)}
    if not any(word in flat for word in SECRET_WORDS) and not parts & SECRET_PARTS:
        return False
    # "SECRET_KEY" and "API_KEY" hold the secret; "KMS_KEY", "TOKEN_KEY_ID" and "PASSWORD_FILE" point at one
    if flat.endswith(("secretkey", "apikey", "privatekey", "accesskey", "authkey", "signingkey", "encryptionkey")):
        return True
    return not flat.endswith(REFERENCE_SUFFIXES)


def _placeholder(value: str) -> bool:
    text = value.strip().strip("'\"")
    flat = re.sub(r"[^a-z0-9]", "", text.lower())
    if len(text) < 4 or flat in PLACEHOLDER_VALUES or PLACEHOLDER_SHAPES.fullmatch(text):
        return True
    if text.isdigit():
        return True  # a port, a length, a duration
    if re.fullmatch(r"https?://[^@\s]+", text):
        return True  # an address without credentials in it
    # a reference to where it lives, or a shell/template expansion computing it
    return text.startswith(("arn:", "alias/", "/", "ssm:", "secretsmanager:", "s3://", "$", "%", "{", "("))


def _url_password(text: str) -> bool:
    return any(not _placeholder(match.group(1)) for match in URL_PASSWORD.finditer(text))


def secret_reason(name: str, value: Any) -> str | None:
    """Why `name = value` looks like a hard-coded credential, or None.

    An AWS access key id, a private key block or a password in a URL is one whatever the name; otherwise the name
    must say it is a credential (password, secret, token, api key...) and the value must not be a placeholder or a
    reference."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = str(value)
    if AWS_KEY_ID.search(text):
        return "an AWS access key id"
    if PRIVATE_KEY.search(text):
        return "a private key"
    if _url_password(text):
        return "a password in a URL"
    if _secret_name(name) and not _placeholder(text):
        return f"a literal value for {name}"
    return None


def _secret_in(name: str, value: Any, path: str) -> str | None:
    """`secret_reason` for one variable whose value may be unknown: unknown only when the name is a credential's."""
    if isinstance(value, Unknown):
        if _secret_name(name):
            raise UnknownValue(path, value.reason)
        return None
    return secret_reason(name, value)


ASSIGNMENT = re.compile(r"""([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*(?:=|:)\s*["']?([^\s"'`;,)]+)""")


def secrets_in_text(text: str) -> list[str]:
    """Credentials in a script or document: key ids, private keys, and `NAME=value` / `name: value` lines."""
    found = []
    if AWS_KEY_ID.search(text):
        found.append("an AWS access key id")
    if PRIVATE_KEY.search(text):
        found.append("a private key")
    if _url_password(text):
        found.append("a password in a URL")
    for match in ASSIGNMENT.finditer(text):
        name, value = match.groups()
        if _secret_name(name) and not _placeholder(value):
            found.append(f"a literal value for {name}")
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


def _is_on(value: Any) -> bool:
    return value is True or is_true(value)


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
            if _is_on(_field(container, "privileged", attribute)):
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
            if not _is_on(_field(container, key, attribute)):
                verdict.fail(attribute, f"{label} has a writable root filesystem")
    return verdict.result()


def _environment_secrets(resource: Resource, verdict: Verdict) -> None:
    """Fails for every environment variable of the resource that holds a credential."""
    if resource.type in CONTAINER_TYPES:
        attribute, items = containers(resource)
        for label, container in items:
            with verdict.item():
                for entry in _field(container, "environment", attribute) or []:
                    with verdict.item():
                        name = _field(entry, "name", attribute)
                        value = entry.get("value") if isinstance(entry, dict) else None
                        reason = _secret_in(str(name), value, attribute) if name is not None else None
                        if reason:
                            verdict.fail(attribute, f"{label} environment variable {name} holds {reason}")
        return
    for path in _variable_maps(resource, verdict):
        with verdict.item():
            variables = resource.get(path)
            for name in sorted(variables or {}):
                with verdict.item():
                    raw = variables[name]
                    at = f"{path}.{name}" if f"{path}.{name}" in resource.attribute_lines else path
                    reason = _secret_in(name, raw, f"{path}.{name}")
                    if reason:
                        verdict.fail(at, f"environment variable {name} holds {reason}")
    if resource.type == "aws_elastic_beanstalk_environment":
        for path in block_paths(resource, "setting", verdict):
            with verdict.item():
                if resource.get(f"{path}.namespace") != "aws:elasticbeanstalk:application:environment":
                    continue
                name = str(resource.get(f"{path}.name"))
                reason = _secret_in(name, _raw(resource, f"{path}.value"), f"{path}.value")
                if reason:
                    verdict.fail(f"{path}.value", f"environment property {name} holds {reason}")


def _raw(resource: Resource, path: str) -> Any:
    """The value at `path`, or an `Unknown` standing for it, for code that decides itself whether unknown matters."""
    try:
        return resource.get(path)
    except UnknownValue as exc:
        return Unknown(exc.reason)


def _variable_maps(resource: Resource, verdict: Verdict) -> list[str]:
    """Paths of the environment variable maps of a Lambda function or an App Runner service."""
    if resource.type == "aws_lambda_function":
        return [f"{p}.variables" for p in block_paths(resource, "environment", verdict)]
    if resource.type != "aws_apprunner_service":
        return []
    paths = []
    for source in block_paths(resource, "source_configuration", verdict):
        for image in block_paths(resource, f"{source}.image_repository", verdict):
            for config in block_paths(resource, f"{image}.image_configuration", verdict):
                paths.append(f"{config}.runtime_environment_variables")
        for code in block_paths(resource, f"{source}.code_repository", verdict):
            for config in block_paths(resource, f"{code}.code_configuration", verdict):
                for values in block_paths(resource, f"{config}.code_configuration_values", verdict):
                    paths.append(f"{values}.runtime_environment_variables")
    return paths


# high: credentials readable by anyone who can describe the function/task, and copied into state and logs
@check(
    id="IG-AWS-163",
    title="Environment variable holds a hard-coded credential",
    severity="high",
    framework="terraform",
    types=[
        "aws_lambda_function",
        "aws_ecs_task_definition",
        "aws_batch_job_definition",
        "aws_apprunner_service",
        "aws_elastic_beanstalk_environment",
    ],
    cwe="CWE-798",
    description="An environment variable whose name says it is a password, secret, token or key (DB_PASSWORD, "
    "dbPassword, SMTP_PASS, API_KEY...) with a literal value, or whose value is an AWS access key id, a private "
    "key or a URL with a password in it, is "
    "stored in clear in the code, the Terraform state and the service's configuration, where anyone allowed to "
    "describe the function, task or environment can read it. Placeholders (changeme, <password>, ${VAR}) and "
    "references (ARNs, paths) are not reported.",
    remediation="Keep the value in Secrets Manager or SSM Parameter Store and inject it: `secrets` with valueFrom "
    "in ECS and Batch, runtime_environment_secrets in App Runner, or read it at start-up in Lambda (with the "
    "Parameters and Secrets extension).",
    example='resource "aws_lambda_function" "report" {\n  function_name = "report"\n'
    '  role          = aws_iam_role.report.arn\n  runtime       = "python3.12"\n  handler       = "app.handler"\n'
    '  filename      = "report.zip"\n\n  environment {\n    variables = {\n'
    '      DB_PASSWORD_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:report-db"\n'
    '      LOG_LEVEL              = "info"\n    }\n  }\n}',
    tags=("secrets",),
)
def aws_environment_secrets(resource):
    verdict = Verdict()
    _environment_secrets(resource, verdict)
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
    "allowed ec2:DescribeInstanceAttribute or DescribeLaunchTemplateVersions reads it through the API. An AWS "
    "access key, a private key or a `PASSWORD=...` assignment in it is a leaked credential.",
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
            found = secrets_in_text(text) if text else []
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
    for role in graph.successors(function, kind="references", type="aws_iam_role"):
        if "role" not in graph.edge_attributes(function, role, "references"):
            continue
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
    description='http_tokens = "optional" makes IMDSv1 the account-wide default for new instances of the region, so '
    "any instance launched without its own metadata_options lets a server-side request forgery read its role's "
    "credentials with a plain GET.",
    remediation='Set http_tokens = "required" (and http_put_response_hop_limit = 1 unless containers need 2).',
    example='resource "aws_ec2_instance_metadata_defaults" "this" {\n  http_tokens                 = "required"\n'
    "  http_put_response_hop_limit = 1\n}",
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
