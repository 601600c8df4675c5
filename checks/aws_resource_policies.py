"""AWS resource policies that open a resource to everyone: topics, queues, keys, secrets, vaults, domains.

Every policy document is read by the one public-principal reader (`public_statements` in _helpers), the
same one the S3 bucket policy check (IG-AWS-017) uses; the checks differ only in where the policy is.
"""

from __future__ import annotations

from checks._helpers import (
    COMPUTED,
    Verdict,
    any_value,
    block_paths,
    configured,
    is_false,
    is_true,
    policy_document,
    policy_statements,
    public_statements,
    referenced,
    restricting_condition,
    value_or_computed_id,
)
from scanner.records import Resource, UnknownValue
from scanner.registry import Fail, check

# Arguments that limit a lambda permission for a "*" or service principal to known callers.
LAMBDA_SOURCE_LIMITS = ("source_arn", "source_account", "principal_org_id")


def _public_policy(resource: Resource, path: str, what: str) -> Fail | None:
    """A Fail at `path` when its policy has a public statement; None when absent or private."""
    found = public_statements(resource, path)
    if not found:
        return None
    return Fail(path, f'policy statement {", ".join(found)} allows Principal "*" with no restricting condition: {what}')


# high: anyone can publish to the topic or subscribe an endpoint of theirs and receive every message
@check(
    id="IG-AWS-022",
    title="SNS topic policy allows anyone to use the topic",
    severity="high",
    framework="terraform",
    types=["aws_sns_topic", "aws_sns_topic_policy"],
    cwe="CWE-732",
    description='A topic policy statement allowing Principal "*" without a condition on the caller\'s account, '
    "organisation or source ARN lets any AWS account publish forged messages to the topic or subscribe its own "
    "endpoints and receive everything the topic carries.",
    remediation="Name the accounts or services that publish and subscribe, or add a condition such as "
    "aws:SourceArn, aws:SourceAccount or aws:PrincipalOrgID to the statement.",
    example='resource "aws_sns_topic_policy" "alerts" {\n  arn = aws_sns_topic.alerts.arn\n  policy = jsonencode({\n'
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect    = "Allow"\n'
    '      Principal = { Service = "cloudwatch.amazonaws.com" }\n      Action    = "sns:Publish"\n'
    "      Resource  = aws_sns_topic.alerts.arn\n"
    '      Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }\n    }]\n  })\n}',
    tags=("public", "messaging"),
)
def aws_sns_topic_policy_public(resource):
    return _public_policy(resource, "policy", "any AWS account can publish to or subscribe to the topic")


# high: anyone can read (and delete) the queue's messages or inject forged ones
@check(
    id="IG-AWS-023",
    title="SQS queue policy allows anyone to use the queue",
    severity="high",
    framework="terraform",
    types=["aws_sqs_queue", "aws_sqs_queue_policy"],
    cwe="CWE-732",
    description='A queue policy statement allowing Principal "*" without a condition on the caller\'s account, '
    "organisation or source ARN lets any AWS account receive and delete the queue's messages or send forged ones "
    "to its consumers.",
    remediation="Name the principals that send and receive, or restrict the statement with aws:SourceArn (the "
    "SNS topic or S3 bucket that sends) or aws:PrincipalOrgID.",
    example='resource "aws_sqs_queue_policy" "orders" {\n  queue_url = aws_sqs_queue.orders.id\n'
    "  policy = jsonencode({\n"
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect    = "Allow"\n'
    '      Principal = { Service = "sns.amazonaws.com" }\n      Action    = "sqs:SendMessage"\n'
    "      Resource  = aws_sqs_queue.orders.arn\n"
    '      Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.orders.arn } }\n    }]\n  })\n}',
    tags=("public", "messaging"),
)
def aws_sqs_queue_policy_public(resource):
    return _public_policy(resource, "policy", "any AWS account can read, delete or send messages")


# high: anyone can pull the images (code, embedded configuration) or, with push actions, replace them
@check(
    id="IG-AWS-024",
    title="ECR repository policy allows anyone to use the repository",
    severity="high",
    framework="terraform",
    types=["aws_ecr_repository_policy"],
    cwe="CWE-732",
    description='A repository policy statement allowing Principal "*" without a condition lets any AWS account '
    "pull the images, with the code and configuration baked into them, and, when push actions are allowed, "
    "replace images that your services run.",
    remediation="Name the accounts that pull (or use aws:PrincipalOrgID); publish images meant for everyone "
    "through ECR Public instead.",
    example='resource "aws_ecr_repository_policy" "api" {\n  repository = aws_ecr_repository.api.name\n'
    "  policy = jsonencode({\n"
    '    Version = "2012-10-17"\n    Statement = [{\n      Sid       = "OrgPull"\n      Effect    = "Allow"\n'
    '      Principal = "*"\n      Action    = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]\n'
    '      Condition = { StringEquals = { "aws:PrincipalOrgID" = "o-a1b2c3d4e5" } }\n    }]\n  })\n}',
    tags=("public", "containers"),
)
def aws_ecr_repository_policy_public(resource):
    return _public_policy(resource, "policy", "any AWS account can pull (or push) images")


# critical: the key protects data; anyone holding ciphertext (or with grant actions) can use it
@check(
    id="IG-AWS-025",
    title="KMS key policy allows anyone to use the key",
    severity="critical",
    framework="terraform",
    types=["aws_kms_key", "aws_kms_key_policy"],
    cwe="CWE-732",
    description='A key policy statement allowing Principal "*" (or {"AWS": "*"}) without a condition such as '
    "kms:CallerAccount or aws:PrincipalOrgID lets any AWS account use the key: decrypt data encrypted under it, "
    "create grants, or, with kms:*, change the policy and schedule the key's deletion.",
    remediation="Give the key policy to the account root (arn:aws:iam::<account>:root) and the roles that use "
    'the key, or add a kms:CallerAccount / kms:ViaService condition to statements that must use "*".',
    example='resource "aws_kms_key" "data" {\n  description         = "application data"\n'
    "  enable_key_rotation = true\n  policy = jsonencode({\n"
    '    Version = "2012-10-17"\n    Statement = [{\n      Sid       = "AccountAdmin"\n      Effect    = "Allow"\n'
    '      Principal = { AWS = "arn:aws:iam::123456789012:root" }\n      Action    = "kms:*"\n'
    '      Resource  = "*"\n    }]\n  })\n}',
    tags=("public", "encryption"),
)
def aws_kms_key_policy_public(resource):
    return _public_policy(resource, "policy", "any AWS account can use the key")


# critical: anyone can read the secret's value
@check(
    id="IG-AWS-028",
    title="Secrets Manager secret policy allows anyone to use the secret",
    severity="critical",
    framework="terraform",
    types=["aws_secretsmanager_secret", "aws_secretsmanager_secret_policy"],
    cwe="CWE-732",
    description='A secret\'s resource policy statement allowing Principal "*" without a restricting condition '
    "lets any AWS account call the allowed actions on the secret, typically secretsmanager:GetSecretValue: the "
    "secret is readable by anyone with an AWS account.",
    remediation="Name the roles that read the secret (or restrict with aws:PrincipalOrgID / aws:SourceVpce), and "
    "set block_public_policy = true on aws_secretsmanager_secret_policy so AWS rejects public policies.",
    example='resource "aws_secretsmanager_secret_policy" "db" {\n'
    "  secret_arn          = aws_secretsmanager_secret.db.arn\n"
    "  block_public_policy = true\n  policy = jsonencode({\n"
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect    = "Allow"\n'
    "      Principal = { AWS = aws_iam_role.app.arn }\n"
    '      Action    = "secretsmanager:GetSecretValue"\n      Resource  = "*"\n    }]\n  })\n}',
    tags=("public", "secrets"),
)
def aws_secret_policy_public(resource):
    return _public_policy(resource, "policy", "any AWS account can read the secret")


# high: archives can be downloaded (or deleted) by anyone
@check(
    id="IG-AWS-029",
    title="S3 Glacier vault access policy allows anyone to use the vault",
    severity="high",
    framework="terraform",
    types=["aws_glacier_vault"],
    cwe="CWE-732",
    description='A vault access policy statement allowing Principal "*" without a restricting condition lets any '
    "AWS account run the allowed vault operations: retrieve archives, or delete them when deletion is allowed.",
    remediation="Name the accounts or roles that use the vault in the access policy.",
    example='resource "aws_glacier_vault" "archive" {\n  name = "finance-archive"\n  access_policy = jsonencode({\n'
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect    = "Allow"\n'
    '      Principal = { AWS = "arn:aws:iam::123456789012:role/archiver" }\n'
    '      Action    = ["glacier:InitiateJob", "glacier:GetJobOutput"]\n'
    '      Resource  = "arn:aws:glacier:eu-west-1:123456789012:vaults/finance-archive"\n    }]\n  })\n}',
    tags=("public", "storage"),
)
def aws_glacier_vault_policy_public(resource):
    return _public_policy(resource, "access_policy", "any AWS account can use the vault's archives")


# high: anyone who can reach a mount target may mount and write the file system
@check(
    id="IG-AWS-030",
    title="EFS file system policy allows anyone to mount the file system",
    severity="high",
    framework="terraform",
    types=["aws_efs_file_system_policy"],
    cwe="CWE-732",
    description='A file system policy statement allowing Principal "*" without a condition (such as '
    "elasticfilesystem:AccessedViaMountTarget or aws:PrincipalOrgID) lets any AWS principal that reaches a mount "
    "target, from a peered VPC, a VPN or another account's network, mount and, with ClientWrite, change the files.",
    remediation='Restrict the statement with Condition { Bool = { "elasticfilesystem:AccessedViaMountTarget" = '
    '"true" } } or name the roles that mount it.',
    example='resource "aws_efs_file_system_policy" "shared" {\n  file_system_id = aws_efs_file_system.shared.id\n'
    "  policy = jsonencode({\n"
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect    = "Allow"\n      Principal = { AWS = "*" }\n'
    '      Action    = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]\n'
    "      Resource  = aws_efs_file_system.shared.arn\n"
    '      Condition = { Bool = { "elasticfilesystem:AccessedViaMountTarget" = "true" } }\n    }]\n  })\n}',
    tags=("public", "storage"),
)
def aws_efs_policy_public(resource):
    return _public_policy(resource, "policy", "any AWS principal that reaches a mount target can use the file system")


# high: anyone can put events on the bus and so trigger every rule (and target) attached to it
@check(
    id="IG-AWS-034",
    title="EventBridge event bus policy allows anyone to put events",
    severity="high",
    framework="terraform",
    types=["aws_cloudwatch_event_bus_policy", "aws_cloudwatch_event_permission"],
    cwe="CWE-732",
    description='An event bus policy statement allowing Principal "*" without an aws:PrincipalOrgID (or similar) '
    'condition, or an aws_cloudwatch_event_permission with principal "*" and no condition, lets any AWS account '
    "put events on the bus, and so trigger the Lambda functions, Step Functions "
    "and other targets of its rules with forged input.",
    remediation="Name the sending accounts, or restrict the statement with aws:PrincipalOrgID.",
    example='resource "aws_cloudwatch_event_bus_policy" "orders" {\n'
    "  event_bus_name = aws_cloudwatch_event_bus.orders.name\n"
    "  policy = jsonencode({\n"
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect    = "Allow"\n      Principal = "*"\n'
    '      Action    = "events:PutEvents"\n      Resource  = aws_cloudwatch_event_bus.orders.arn\n'
    '      Condition = { StringEquals = { "aws:PrincipalOrgID" = "o-a1b2c3d4e5" } }\n    }]\n  })\n}',
    tags=("public", "messaging"),
)
def aws_event_bus_policy_public(resource):
    if resource.type == "aws_cloudwatch_event_permission":
        if resource.get("principal") == "*" and not resource.get("condition"):
            return Fail("principal", 'principal is "*" with no organisation condition: any AWS account can put events')
        return None
    return _public_policy(resource, "policy", "any AWS account can put events on the bus")


# critical: the vault holds backups of every protected resource; anyone could copy or delete them
@check(
    id="IG-AWS-033",
    title="Backup vault policy allows anyone to use the vault",
    severity="critical",
    framework="terraform",
    types=["aws_backup_vault_policy"],
    cwe="CWE-732",
    description='A backup vault policy statement allowing Principal "*" without a restricting condition lets any '
    "AWS account run the allowed actions on the recovery points: copy them into its own account (a full copy of "
    "your data) or delete them before a ransomware attack.",
    remediation="Name the accounts that copy into the vault (or use aws:PrincipalOrgID); deny "
    "backup:DeleteRecoveryPoint to everyone but a break-glass role.",
    example='resource "aws_backup_vault_policy" "main" {\n  backup_vault_name = aws_backup_vault.main.name\n'
    "  policy = jsonencode({\n"
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect    = "Allow"\n'
    '      Principal = { AWS = "arn:aws:iam::210987654321:root" }\n      Action    = "backup:CopyIntoBackupVault"\n'
    '      Resource  = "*"\n    }]\n  })\n}',
    tags=("public", "backup"),
)
def aws_backup_vault_policy_public(resource):
    return _public_policy(resource, "policy", "any AWS account can use the vault's recovery points")


def _lambda_principal(resource: Resource) -> str | None:
    """The principal, `COMPUTED` when built from a data source (`elasticloadbalancing.${dns_suffix}`): never "*"."""
    principal = value_or_computed_id(resource, "principal")
    return principal if isinstance(principal, str) else None


def _lambda_unlimited(resource: Resource) -> bool:
    """No source ARN, source account or organisation narrows who may invoke."""
    return not any(configured(resource, limit) for limit in LAMBDA_SOURCE_LIMITS)


# high: any AWS account (or anonymous caller, for a function URL) can invoke the function
@check(
    id="IG-AWS-026",
    title="Lambda permission lets any principal invoke the function",
    severity="high",
    framework="terraform",
    types=["aws_lambda_permission"],
    cwe="CWE-284",
    description='principal = "*" with no source_arn, source_account or principal_org_id lets any AWS account '
    "invoke the function (and anyone on the internet for lambda:InvokeFunctionUrl on a URL with auth type NONE), "
    "running its code, with its role's permissions, on input they choose.",
    remediation="Set principal to the service or account that invokes the function and pin it with source_arn "
    "(and source_account for S3), or principal_org_id for an organisation.",
    example='resource "aws_lambda_permission" "from_api" {\n  statement_id  = "AllowApiGateway"\n'
    '  action        = "lambda:InvokeFunction"\n  function_name = aws_lambda_function.api.function_name\n'
    '  principal     = "apigateway.amazonaws.com"\n'
    '  source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/*"\n}',
    tags=("public", "serverless"),
)
def aws_lambda_permission_public(resource):
    if _lambda_principal(resource) == "*" and _lambda_unlimited(resource):
        return Fail("principal", 'principal is "*" with no source_arn, source_account or principal_org_id')
    return None


# medium: any resource of that service in any account can invoke it (confused deputy)
@check(
    id="IG-AWS-027",
    title="Lambda permission for an AWS service is not limited to a source",
    severity="medium",
    framework="terraform",
    types=["aws_lambda_permission"],
    cwe="CWE-441",
    description="A permission for a service principal (s3.amazonaws.com, sns.amazonaws.com, events.amazonaws.com...) "
    "without source_arn or source_account lets that service invoke the function on behalf of any of its customers: "
    "a bucket, topic or rule in another account can trigger your function (the confused deputy problem).",
    remediation="Add source_arn (the bucket, topic, rule or API that triggers the function) and, for S3, "
    "source_account.",
    example='resource "aws_lambda_permission" "from_uploads" {\n  statement_id   = "AllowS3Uploads"\n'
    '  action         = "lambda:InvokeFunction"\n  function_name  = aws_lambda_function.thumbnail.function_name\n'
    '  principal      = "s3.amazonaws.com"\n  source_arn     = aws_s3_bucket.uploads.arn\n'
    '  source_account = "123456789012"\n}',
    tags=("serverless",),
)
def aws_lambda_permission_unscoped_service(resource):
    principal = _lambda_principal(resource)
    if principal == COMPUTED:  # built from the partition's DNS suffix: it may be a service principal
        if _lambda_unlimited(resource):
            raise UnknownValue("principal", "the principal is computed from a data source")
        return None
    if principal and principal.endswith(".amazonaws.com") and _lambda_unlimited(resource):
        return Fail("principal", f"{principal} may invoke the function for any source: no source_arn or source_account")
    return None


# medium: with no file system policy, EFS lets any client that reaches a mount target mount, write and act as root
@check(
    id="IG-AWS-031",
    title="EFS file system has no file system policy",
    severity="medium",
    framework="terraform",
    types=["aws_efs_file_system"],
    cwe="CWE-284",
    description="Without an aws_efs_file_system_policy, EFS grants full access (mount, write, root) to every NFS "
    "client that can reach a mount target: security groups are the only control, IAM authorization is not "
    "required and TLS is not enforced. A policy that requires aws:SecureTransport and names the principals that "
    "mount closes that gap.",
    remediation="Add an aws_efs_file_system_policy that denies requests without aws:SecureTransport and allows "
    "elasticfilesystem:ClientMount/ClientWrite only to the roles that use the file system.",
    example='resource "aws_efs_file_system_policy" "shared" {\n  file_system_id = aws_efs_file_system.shared.id\n'
    "  policy = jsonencode({\n"
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect    = "Deny"\n      Principal = { AWS = "*" }\n'
    '      Action    = "*"\n      Resource  = aws_efs_file_system.shared.arn\n'
    '      Condition = { Bool = { "aws:SecureTransport" = "false" } }\n    }]\n  })\n}',
    graph=True,
    tags=("storage",),
)
def aws_efs_no_policy(resource, graph):
    if graph.linked_from(resource, "aws_efs_file_system_policy", "file_system_id"):
        return None
    return Fail(None, "no aws_efs_file_system_policy: any client that reaches a mount target has full access")


def _private_api(api: Resource) -> bool:
    block = next(iter(block_paths(api, "endpoint_configuration")), None)
    if block is None:
        return False
    return any_value(api.get(f"{block}.types"), lambda t: t == "PRIVATE", f"{block}.types")


# high: any VPC endpoint, in any AWS account, can call the private API
@check(
    id="IG-AWS-032",
    title="Private API Gateway resource policy does not limit the VPC endpoints",
    severity="high",
    framework="terraform",
    types=["aws_api_gateway_rest_api", "aws_api_gateway_rest_api_policy"],
    cwe="CWE-284",
    description='A PRIVATE REST API whose resource policy allows Principal "*" without an aws:SourceVpce or '
    "aws:SourceVpc condition is callable through any execute-api VPC endpoint, including endpoints in other "
    "AWS accounts' VPCs: private stops meaning yours. Regional and edge APIs, public by design, are not judged.",
    remediation='Add Condition { StringEquals = { "aws:SourceVpce" = aws_vpc_endpoint.execute_api.id } } to the '
    "allowing statement (or a Deny for any other endpoint).",
    example='resource "aws_api_gateway_rest_api_policy" "internal" {\n'
    "  rest_api_id = aws_api_gateway_rest_api.internal.id\n  policy = jsonencode({\n"
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect    = "Allow"\n      Principal = "*"\n'
    '      Action    = "execute-api:Invoke"\n      Resource  = "${aws_api_gateway_rest_api.internal.execution_arn}/*"\n'
    '      Condition = { StringEquals = { "aws:SourceVpce" = aws_vpc_endpoint.execute_api.id } }\n    }]\n  })\n}',
    graph=True,
    tags=("public", "api"),
)
def aws_private_api_policy_open(resource, graph):
    found = public_statements(resource, "policy")
    if not found:
        return None  # a policy limited to known callers passes whatever API it is for
    if resource.type == "aws_api_gateway_rest_api":
        apis = [resource]
    else:
        apis = referenced(graph, resource, "aws_api_gateway_rest_api", "rest_api_id")
    if not apis:
        raise UnknownValue("rest_api_id", "the API is not defined in this configuration: its endpoint type is unknown")
    if not any(_private_api(api) for api in apis):
        return None
    related = tuple(a for a in apis if not resource.same(a))
    return Fail(
        "policy",
        f'statement {", ".join(found)} allows Principal "*" to the private API with no aws:SourceVpce condition',
        related=related,
    )


# medium: the layer's code (and anything bundled with it) can be downloaded by any account
@check(
    id="IG-AWS-035",
    title="Lambda layer version is shared with every AWS account",
    severity="medium",
    framework="terraform",
    types=["aws_lambda_layer_version_permission"],
    cwe="CWE-200",
    description='principal = "*" without organization_id lets any AWS account use the layer version and so '
    "download its content: shared code, and any configuration or credentials bundled with it.",
    remediation="Name the account that uses the layer, or set organization_id to share it only inside your "
    "organisation.",
    example='resource "aws_lambda_layer_version_permission" "shared_libs" {\n'
    "  layer_name     = aws_lambda_layer_version.shared_libs.layer_arn\n"
    "  version_number = aws_lambda_layer_version.shared_libs.version\n"
    '  statement_id   = "org"\n  action         = "lambda:GetLayerVersion"\n  principal      = "*"\n'
    '  organization_id = "o-a1b2c3d4e5"\n}',
    tags=("public", "serverless"),
)
def aws_lambda_layer_public(resource):
    if resource.get("principal") == "*" and not configured(resource, "organization_id"):
        return Fail("principal", 'layer version is shared with principal "*" and no organization_id')
    return None


# high: a public SSM document exposes its commands (often with internal hosts, paths or credentials)
@check(
    id="IG-AWS-036",
    title="SSM document is shared with every AWS account",
    severity="high",
    framework="terraform",
    types=["aws_ssm_document"],
    cwe="CWE-200",
    description='permissions { type = "Share", account_ids = "All" } makes the document public: every AWS account '
    "can read and run it, and what it contains (commands, internal host names, paths, sometimes credentials) is "
    "published.",
    remediation="Share with the account IDs that need the document, or not at all; AWS recommends blocking public "
    "sharing of SSM documents account-wide.",
    example='resource "aws_ssm_document" "patch" {\n  name          = "patch-fleet"\n'
    '  document_type = "Command"\n  content       = file("${path.module}/patch-fleet.json")\n\n'
    '  permissions = {\n    type        = "Share"\n    account_ids = "210987654321"\n  }\n}',
    tags=("public",),
)
def aws_ssm_document_public(resource):
    permissions = resource.get("permissions")
    if not isinstance(permissions, dict):
        return None
    accounts = resource.get("permissions.account_ids")
    shared = resource.get("permissions.type") == "Share" and isinstance(accounts, str)
    if shared and "all" in (a.strip().lower() for a in accounts.split(",")):
        return Fail("permissions.account_ids", 'document is shared with account_ids "All": it is public')
    return None


# high: anyone can read (or change) the table definitions, and with them reach the data lake layout
@check(
    id="IG-AWS-094",
    title="Glue Data Catalog resource policy allows anyone",
    severity="high",
    framework="terraform",
    types=["aws_glue_resource_policy"],
    cwe="CWE-732",
    description='A Data Catalog resource policy statement allowing Principal "*" without a restricting condition '
    "lets any AWS account read the databases and tables of the catalog (names, schemas, S3 locations) and, with "
    "write actions, change where queries read from.",
    remediation="Name the accounts that share the catalog, or restrict the statement with aws:PrincipalOrgID; "
    "share tables with Lake Formation instead.",
    example='resource "aws_glue_resource_policy" "catalog" {\n  policy = jsonencode({\n    Version = "2012-10-17"\n'
    '    Statement = [{\n      Effect    = "Allow"\n      Principal = { AWS = "arn:aws:iam::210987654321:root" }\n'
    '      Action    = ["glue:GetDatabase", "glue:GetTable"]\n'
    '      Resource  = "arn:aws:glue:eu-west-1:123456789012:*"\n    }]\n  })\n}',
    tags=("public", "data"),
)
def aws_glue_catalog_policy_public(resource):
    return _public_policy(resource, "policy", "any AWS account can use the Data Catalog")


# high: anyone could read private packages or, with publish actions, poison them (supply chain)
@check(
    id="IG-AWS-095",
    title="CodeArtifact domain or repository policy allows anyone",
    severity="high",
    framework="terraform",
    types=["aws_codeartifact_domain_permissions_policy", "aws_codeartifact_repository_permissions_policy"],
    cwe="CWE-732",
    description='A CodeArtifact permissions policy statement allowing Principal "*" without a restricting condition '
    "lets any AWS account read the private packages in it and, with codeartifact:PublishPackageVersion, publish "
    "versions that your builds then install: a supply-chain compromise.",
    remediation="Name the accounts that use the domain or repository, or restrict the statement with "
    "aws:PrincipalOrgID.",
    example='resource "aws_codeartifact_repository_permissions_policy" "libs" {\n'
    "  domain      = aws_codeartifact_domain.acme.domain\n  repository  = aws_codeartifact_repository.libs.repository\n"
    "  policy_document = jsonencode({\n"
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect    = "Allow"\n      Principal = "*"\n'
    '      Action    = "codeartifact:ReadFromRepository"\n      Resource  = "*"\n'
    '      Condition = { StringEquals = { "aws:PrincipalOrgID" = "o-a1b2c3d4e5" } }\n    }]\n  })\n}',
    tags=("public", "supply-chain"),
)
def aws_codeartifact_policy_public(resource):
    return _public_policy(resource, "policy_document", "any AWS account can use the packages")


# medium: anyone can write forged events into the log groups (and fill them)
@check(
    id="IG-AWS-096",
    title="CloudWatch Logs resource policy allows anyone to write logs",
    severity="medium",
    framework="terraform",
    types=["aws_cloudwatch_log_resource_policy"],
    cwe="CWE-117",
    description='A CloudWatch Logs resource policy statement allowing Principal "*" without an aws:SourceAccount or '
    "aws:SourceArn condition lets any AWS account (or any customer of the service) deliver events into your log "
    "groups: forged entries pollute the records investigations rely on.",
    remediation="Allow the delivering service principal (e.g. delivery.logs.amazonaws.com, route53.amazonaws.com) "
    "with an aws:SourceAccount condition.",
    example='resource "aws_cloudwatch_log_resource_policy" "dns_queries" {\n  policy_name = "route53-query-logs"\n'
    "  policy_document = jsonencode({\n"
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect    = "Allow"\n'
    '      Principal = { Service = "route53.amazonaws.com" }\n'
    '      Action    = ["logs:CreateLogStream", "logs:PutLogEvents"]\n'
    '      Resource  = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/route53/*"\n'
    '      Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }\n    }]\n  })\n}',
    tags=("public", "logging"),
)
def aws_log_resource_policy_public(resource):
    return _public_policy(resource, "policy_document", "any AWS account can write into the log groups")


def _access_point_blocks(point: Resource) -> bool:
    """Whether the access point's own public access block (all settings on by default) neutralises a public
    policy: restrict_public_buckets left on."""
    block = next(iter(block_paths(point, "public_access_block_configuration")), None)
    if block is None:
        return True
    return not is_false(point.get(f"{block}.restrict_public_buckets"))


# high: the access point serves the bucket's objects to anyone
@check(
    id="IG-AWS-097",
    title="S3 access point policy grants access to everyone",
    severity="high",
    framework="terraform",
    types=["aws_s3_access_point", "aws_s3control_access_point_policy"],
    cwe="CWE-732",
    description='An access point policy statement allowing Principal "*" without a restricting condition, on an '
    "access point whose own public access block has restrict_public_buckets turned off, lets anyone read (or "
    "write) the bucket's objects through the access point. Access points block public access by default; a "
    "public policy they neutralise is not reported.",
    remediation="Name the principals in the policy, and keep the access point's public_access_block_configuration "
    "at its defaults (all true).",
    example='resource "aws_s3_access_point" "analytics" {\n  bucket = aws_s3_bucket.data.id\n  name   = "analytics"\n\n'
    "  vpc_configuration {\n    vpc_id = aws_vpc.main.id\n  }\n}",
    graph=True,
    tags=("public", "s3"),
)
def aws_s3_access_point_public(resource, graph):
    found = public_statements(resource, "policy")
    if not found:
        return None  # a private policy passes whatever access point it is for
    if resource.type == "aws_s3_access_point":
        points = [resource]
    else:
        points = referenced(graph, resource, "aws_s3_access_point", "access_point_arn")
    if not points:
        raise UnknownValue("access_point_arn", "the access point is not defined in this configuration")
    if all(_access_point_blocks(p) for p in points):
        return None
    related = tuple(p for p in points if not resource.same(p))
    return Fail(
        "policy",
        f'policy statement {", ".join(found)} allows Principal "*" and the access point does not restrict it',
        related=related,
    )


# Actions of a Lambda permission that only run the function; anything else changes or reads it.
INVOKE_ACTIONS = {"lambda:invokefunction", "lambda:invokefunctionurl", "lambda:invokeasync"}


# high: the other principal can replace the function's code and run it under the function's role
@check(
    id="IG-AWS-110",
    title="Lambda permission grants more than invoking the function",
    severity="high",
    framework="terraform",
    types=["aws_lambda_permission"],
    cwe="CWE-732",
    description='A permission whose action is "lambda:*" or another action than lambda:InvokeFunction (such as '
    "lambda:UpdateFunctionCode or lambda:GetFunction) lets the named principal read the deployment package, or "
    "replace the code and run it with the function's role: far beyond triggering it.",
    remediation='Grant action = "lambda:InvokeFunction" (or lambda:InvokeFunctionUrl); manage the function\'s code '
    "from its own account's deployment role.",
    example='resource "aws_lambda_permission" "from_partner" {\n  statement_id  = "AllowPartnerInvoke"\n'
    '  action        = "lambda:InvokeFunction"\n  function_name = aws_lambda_function.ingest.function_name\n'
    '  principal     = "210987654321"\n}',
    tags=("serverless",),
)
def aws_lambda_permission_beyond_invoke(resource):
    action = resource.get("action")
    if isinstance(action, str) and action.strip().lower() not in INVOKE_ACTIONS:
        return Fail("action", f"the permission grants {action}, not just invoking the function")
    return None


PUBLIC_GRANTEES = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "everyone (AllUsers)",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "every AWS account (AuthenticatedUsers)",
}


def _acl_grants(resource: Resource, verdict) -> list[str]:
    """Paths of the grant blocks of an ACL: `access_control_policy.0.grant.N` or a legacy bucket's `grant.N`."""
    if resource.type == "aws_s3_bucket":
        return block_paths(resource, "grant", verdict)
    return [g for p in block_paths(resource, "access_control_policy", verdict)
            for g in block_paths(resource, f"{p}.grant", verdict)]  # fmt: skip


def _acls_ignored(graph, resource: Resource) -> Resource | None:
    """A public access block that makes S3 ignore the bucket's ACLs (ignore_public_acls), bucket or account level."""
    buckets = [resource] if resource.type == "aws_s3_bucket" else referenced(graph, resource, "aws_s3_bucket", "bucket")
    blocks = []
    for bucket in buckets:
        found = [a for a in graph.resources("terraform", "aws_s3_account_public_access_block")
                 if a.scope == bucket.scope and is_true(a.get("ignore_public_acls"))]  # fmt: skip
        found = found or [b for b in graph.linked_from(bucket, "aws_s3_bucket_public_access_block", "bucket")
                          if is_true(b.get("ignore_public_acls"))]  # fmt: skip
        if not found:
            return None
        blocks.append(found[0])
    return blocks[0] if blocks else None


# critical: objects readable (or writable) by anyone, through an explicit grant rather than a canned ACL
@check(
    id="IG-AWS-111",
    title="S3 bucket ACL grants access to all users or all AWS accounts",
    severity="critical",
    framework="terraform",
    types=["aws_s3_bucket_acl", "aws_s3_bucket"],
    cwe="CWE-732",
    description="A grant to the AllUsers group makes the bucket (or its ACL) readable or writable by anyone on the "
    "internet; AuthenticatedUsers means any AWS account in the world, not your users. Critical, or medium while a "
    "public access block with ignore_public_acls makes S3 ignore the grant. Canned ACLs are judged by IG-AWS-001; "
    "this check reads explicit grants.",
    remediation="Remove the group grant; grant access to specific canonical user ids, or better, disable ACLs "
    '(object_ownership = "BucketOwnerEnforced") and use the bucket policy.',
    example='resource "aws_s3_bucket_ownership_controls" "data" {\n  bucket = aws_s3_bucket.data.id\n  rule {\n'
    '    object_ownership = "BucketOwnerEnforced"\n  }\n}',
    graph=True,
    tags=("public", "s3"),
)
def aws_s3_acl_group_grant(resource, graph):
    verdict = Verdict()
    for grant in _acl_grants(resource, verdict):
        with verdict.item():
            at = f"{grant}.grantee.0.uri" if resource.type == "aws_s3_bucket_acl" else f"{grant}.uri"
            uri = resource.get(at)
            who = PUBLIC_GRANTEES.get(uri.strip()) if isinstance(uri, str) else None
            if who:
                permission = resource.get(f"{grant}.permission") or resource.get(f"{grant}.permissions") or "access"
                shown = ", ".join(map(str, permission)) if isinstance(permission, list) else permission
                verdict.fail(at, f"ACL grants {shown} to {who}")
    if verdict.fails:
        try:
            block = _acls_ignored(graph, resource)
        except UnknownValue as exc:
            # the grant is a finding whatever a public access block says; only the severity waits on it,
            # so the worst case stands
            return [Fail(f.attribute, f"{f.message}; whether S3 ignores it is unknown: {exc.reason}", f.related)
                    for f in verdict.fails]  # fmt: skip
        if block is not None:
            return [Fail(f.attribute, f"{f.message}; ignored today by {block.address} (ignore_public_acls)", (block,),
                         severity="medium") for f in verdict.fails]  # fmt: skip
    return verdict.result()


# Condition keys that pin an AWS service principal to the resource (or account) acting through it.
SOURCE_KEYS = {"aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:sourceorgid", "aws:sourceorgpaths"}


def _service_without_source(statement) -> list[str]:
    """Service principals an Allow statement names without a source condition (confused deputy)."""
    if statement.get("Effect") != "Allow":
        return []
    principal = statement.get("Principal")
    services = principal.get("Service") if isinstance(principal, dict) else None
    if services is None or restricting_condition(statement, SOURCE_KEYS):
        return []
    return [s for s in (services if isinstance(services, list) else [services]) if isinstance(s, str)]


# medium: the service will deliver on behalf of any of its customers, into your queue or topic
@check(
    id="IG-AWS-116",
    title="SQS or SNS policy lets an AWS service send for any source",
    severity="medium",
    framework="terraform",
    types=["aws_sqs_queue", "aws_sqs_queue_policy", "aws_sns_topic", "aws_sns_topic_policy"],
    cwe="CWE-441",
    description="A statement allowing a service principal (sns.amazonaws.com, s3.amazonaws.com, "
    "events.amazonaws.com...) without an aws:SourceArn or aws:SourceAccount condition lets that service act for "
    "any of its customers: a topic, bucket or rule in another account can deliver messages into your queue or "
    "topic (the confused deputy problem).",
    remediation='Add Condition { ArnEquals = { "aws:SourceArn" = <the topic, bucket or rule> } } (and '
    "aws:SourceAccount for S3) to the statement.",
    example='resource "aws_sqs_queue_policy" "orders" {\n  queue_url = aws_sqs_queue.orders.id\n'
    "  policy = jsonencode({\n"
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect    = "Allow"\n'
    '      Principal = { Service = "sns.amazonaws.com" }\n      Action    = "sqs:SendMessage"\n'
    "      Resource  = aws_sqs_queue.orders.arn\n"
    '      Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.orders.arn } }\n    }]\n  })\n}',
    tags=("messaging",),
)
def aws_messaging_service_without_source(resource):
    verdict = Verdict()
    found = []
    for statement in policy_statements(policy_document(resource, "policy"), "policy"):
        with verdict.item():
            services = _service_without_source(statement)
            if services:
                found.append(f"{statement.label} ({', '.join(services)})")
    if found:
        verdict.fail("policy", f"statement {'; '.join(found)} has no aws:SourceArn or aws:SourceAccount condition")
    return verdict.result()
