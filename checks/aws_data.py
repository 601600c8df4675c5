"""AWS data services for Terraform: databases, caches, streams, search, analytics and ML storage.

Each check judges an omitted argument by the AWS provider's documented default. Where a default
changed recently (Redshift public access and encryption, ElastiCache Valkey at-rest encryption), only
the explicitly insecure value or the default of the current provider is reported, as the check's
description says. Storage encryption of RDS, Aurora, Neptune and DocumentDB (IG-AWS-005), public
RDS instances (IG-AWS-004), EBS volumes (IG-AWS-006) and EFS (IG-AWS-007) are judged elsewhere.
"""

from __future__ import annotations

from typing import Any

from checks._helpers import (
    Verdict,
    block_paths,
    configured,
    decide_any,
    dynamic_blocks,
    first_block,
    is_false,
    is_true,
    written,
)
from scanner.fix.spec import SetValue
from scanner.records import Resource
from scanner.registry import Fail, check


def _setting(resource: Resource, path: str, default: Any) -> Any:
    """The value at `path`, or the provider's default when it is not set (unknown raises)."""
    value = resource.get(path)
    return default if value is None else value


def _on(resource: Resource, path: str, default: bool) -> bool:
    """A boolean argument judged by its default when omitted (Terraform also accepts "true"/"false")."""
    value = resource.get(path)
    return default if value is None else is_true(value)


# low: deletion protection guards against an operator's or a pipeline's mistake, not an attacker
@check(
    id="IG-AWS-120",
    title="Database deletion protection is disabled",
    severity="low",
    framework="terraform",
    types=[
        "aws_db_instance",
        "aws_rds_cluster",
        "aws_neptune_cluster",
        "aws_docdb_cluster",
        "aws_qldb_ledger",
        "aws_dynamodb_table",
    ],
    cwe="CWE-693",
    description="Without deletion protection a single `terraform destroy`, a renamed resource or a compromised "
    "pipeline credential deletes the database; deletion protection makes the API refuse until it is turned off "
    "explicitly. It defaults to off for RDS, Aurora, Neptune, DocumentDB and DynamoDB, and to on for QLDB ledgers.",
    remediation="Set deletion_protection = true (deletion_protection_enabled = true on DynamoDB tables) on "
    "production databases.",
    example='resource "aws_rds_cluster" "orders" {\n  cluster_identifier  = "orders"\n'
    '  engine              = "aurora-postgresql"\n  storage_encrypted   = true\n  deletion_protection = true\n}',
    tags=("database",),
)
def aws_db_deletion_protection(resource):
    path = "deletion_protection_enabled" if resource.type == "aws_dynamodb_table" else "deletion_protection"
    if _on(resource, path, resource.type == "aws_qldb_ledger"):
        return None
    return Fail(written(resource, path), f"{path} is off: one API call deletes the database")


IAM_AUTH_ENGINES = ("mysql", "mariadb", "postgres", "aurora", "neptune")


# low: IAM authentication replaces long-lived database passwords; the database is not exposed without it
@check(
    id="IG-AWS-121",
    title="IAM database authentication is disabled",
    severity="low",
    framework="terraform",
    types=["aws_db_instance", "aws_rds_cluster", "aws_neptune_cluster"],
    cwe="CWE-308",
    description="Without IAM database authentication every client logs in with a long-lived database password "
    "that is shared, copied into configuration and rarely rotated; IAM authentication issues short-lived tokens "
    "tied to an IAM identity and recorded in CloudTrail. Engines that do not support it (Oracle, SQL Server, Db2, "
    "Aurora Serverless v1) are not reported.",
    remediation="Set iam_database_authentication_enabled = true and grant rds-db:connect to the roles that need "
    "database access.",
    example='resource "aws_db_instance" "app" {\n  identifier                          = "app"\n'
    '  engine                              = "postgres"\n  instance_class                      = "db.t4g.medium"\n'
    "  storage_encrypted                   = true\n  iam_database_authentication_enabled = true\n}",
    tags=("database", "iam"),
    fix=SetValue(
        "iam_database_authentication_enabled",
        True,
        unsafe="on a Neptune cluster every client must then sign its requests with SigV4 (on RDS and Aurora it "
        "only adds IAM logins beside passwords)",
    ),
)
def aws_db_iam_auth(resource):
    engine = resource.get("engine")
    if isinstance(engine, str) and not engine.lower().startswith(IAM_AUTH_ENGINES):
        return None
    if resource.type == "aws_rds_cluster" and resource.get("engine_mode") == "serverless":
        return None
    if _on(resource, "iam_database_authentication_enabled", False):
        return None
    return Fail(
        written(resource, "iam_database_authentication_enabled"),
        "iam_database_authentication_enabled is off: clients log in with static database passwords",
    )


# low: losing backups makes recovery impossible but exposes nothing by itself
@check(
    id="IG-AWS-122",
    title="Automated database backups are disabled",
    severity="low",
    framework="terraform",
    types=["aws_db_instance", "aws_redshift_cluster"],
    cwe="CWE-693",
    description="A retention period of 0 turns off automated backups and point-in-time restore, so data deleted or "
    "encrypted by ransomware cannot be recovered. Read replicas, which usually rely on their source's backups, "
    "are not reported.",
    remediation="Set backup_retention_period (RDS) or automated_snapshot_retention_period (Redshift) to at least 7.",
    example='resource "aws_db_instance" "app" {\n  identifier              = "app"\n'
    '  engine                  = "mysql"\n'
    '  instance_class          = "db.t4g.medium"\n  storage_encrypted       = true\n  backup_retention_period = 14\n}',
    tags=("database",),
)
def aws_db_backups_disabled(resource):
    if resource.type == "aws_db_instance":
        if configured(resource, "replicate_source_db"):
            return None
        path = "backup_retention_period"
    else:
        path = "automated_snapshot_retention_period"
    value = resource.get(path)
    if value is not None and str(value).strip() == "0":
        return Fail(path, f"{path} is 0: automated backups are turned off")
    return None


# low: a missed engine patch is a delayed fix, not an exposure
@check(
    id="IG-AWS-123",
    title="Automatic minor engine upgrades are turned off",
    severity="low",
    framework="terraform",
    types=[
        "aws_db_instance",
        "aws_rds_cluster_instance",
        "aws_docdb_cluster_instance",
        "aws_neptune_cluster_instance",
        "aws_elasticache_replication_group",
    ],
    cwe="CWE-1104",
    compliance={"cis-aws-3.0": ["2.3.2"]},
    description="Minor engine versions carry security fixes; with automatic minor upgrades off (they default to on) "
    "the database keeps running a vulnerable engine until someone upgrades it by hand.",
    remediation="Remove auto_minor_version_upgrade = false, or own a documented patching process for the engine. "
    "(Redshift's allow_version_upgrade governs major versions only and is not judged.)",
    example='resource "aws_rds_cluster_instance" "orders" {\n  identifier                 = "orders-1"\n'
    "  cluster_identifier         = aws_rds_cluster.orders.id\n"
    '  instance_class             = "db.r6g.large"\n  engine                     = aws_rds_cluster.orders.engine\n'
    "  auto_minor_version_upgrade = true\n}",
    tags=("database",),
    fix=SetValue(
        "auto_minor_version_upgrade",
        True,
        unsafe="AWS then upgrades the engine in the maintenance window, restarting the database on its schedule",
    ),
)
def aws_db_minor_upgrades_off(resource):
    path = "auto_minor_version_upgrade"
    if is_false(resource.get(path)):
        return Fail(path, f"{path} is false: engine security fixes are not applied automatically")
    return None


LOG_EXPORT_PATHS = {
    "aws_db_instance": "enabled_cloudwatch_logs_exports",
    "aws_rds_cluster": "enabled_cloudwatch_logs_exports",
    "aws_docdb_cluster": "enabled_cloudwatch_logs_exports",
    "aws_neptune_cluster": "enable_cloudwatch_logs_exports",
}


# low: missing logs slow down an investigation; nothing is exposed
@check(
    id="IG-AWS-124",
    title="Database does not export its logs to CloudWatch",
    severity="low",
    framework="terraform",
    types=list(LOG_EXPORT_PATHS),
    cwe="CWE-778",
    description="Without log exports the engine's error, audit and slow-query logs stay on the instance, are rotated "
    "away within days and cannot be searched, alerted on or kept after an incident.",
    remediation="Set enabled_cloudwatch_logs_exports (enable_cloudwatch_logs_exports on Neptune) to the engine's "
    'logs, e.g. ["postgresql"], ["audit", "error", "slowquery"] or ["audit", "profiler"] for DocumentDB.',
    example='resource "aws_rds_cluster" "orders" {\n  cluster_identifier              = "orders"\n'
    '  engine                          = "aurora-postgresql"\n  storage_encrypted               = true\n'
    '  enabled_cloudwatch_logs_exports = ["postgresql"]\n}',
    tags=("database", "logging"),
)
def aws_db_no_log_exports(resource):
    path = LOG_EXPORT_PATHS[resource.type]
    if resource.get(path):
        return None
    return Fail(written(resource, path), f"{path} is empty: database logs are not exported")


# critical: anyone with an AWS account can restore the snapshot or image and read its data
@check(
    id="IG-AWS-125",
    title="Database snapshot or machine image is shared with every AWS account",
    severity="critical",
    framework="terraform",
    types=["aws_db_snapshot", "aws_db_cluster_snapshot", "aws_db_snapshot_copy", "aws_ami_launch_permission"],
    cwe="CWE-200",
    description='Sharing an RDS snapshot with "all" (or an AMI launch permission with group "all") makes it public: '
    "any AWS account can copy or restore it and read every table, file and credential it contains.",
    remediation='Share with the specific account ids that need it (shared_accounts = ["123456789012"], '
    "account_id on aws_ami_launch_permission), or not at all.",
    example='resource "aws_db_snapshot" "release" {\n  db_instance_identifier = aws_db_instance.app.identifier\n'
    '  db_snapshot_identifier = "app-release"\n  shared_accounts        = ["123456789012"]\n}',
    tags=("public", "database"),
)
def aws_snapshot_public(resource):
    if resource.type == "aws_ami_launch_permission":
        if str(resource.get("group", "")).lower() == "all":
            return Fail("group", 'launch permission group is "all": the image is public')
        return None
    verdict = Verdict()
    for index in range(len(resource.get("shared_accounts") or [])):
        with verdict.item():
            if str(resource.get(f"shared_accounts.{index}", "")).lower() == "all":
                verdict.fail("shared_accounts", 'snapshot is shared with "all": any AWS account can restore it')
                break
    return verdict.result()


# high: a public endpoint puts the data warehouse's login one password away from the internet
@check(
    id="IG-AWS-126",
    title="Redshift cluster or workgroup is publicly accessible",
    severity="high",
    framework="terraform",
    types=["aws_redshift_cluster", "aws_redshiftserverless_workgroup"],
    cwe="CWE-284",
    description="publicly_accessible = true gives the warehouse a public IP address and DNS name, so its SQL "
    "listener is reachable from the internet wherever the security group allows. (The AWS provider defaults it "
    "to false since version 5.)",
    remediation="Set publicly_accessible = false and reach the warehouse from inside the VPC or through a "
    "Redshift-managed VPC endpoint.",
    example='resource "aws_redshift_cluster" "analytics" {\n  cluster_identifier  = "analytics"\n'
    '  node_type           = "ra3.xlplus"\n  encrypted           = true\n  publicly_accessible = false\n}',
    tags=("network", "database", "public"),
    fix=SetValue("publicly_accessible", False, unsafe="clients outside the VPC lose their connection to the warehouse"),
)
def aws_redshift_public(resource):
    if is_true(resource.get("publicly_accessible")):
        return Fail("publicly_accessible", "publicly_accessible is true: the warehouse has a public endpoint")
    return None


# medium: data at rest in clear; reported only when explicitly off (encrypted by default since 2025)
@check(
    id="IG-AWS-127",
    title="Redshift cluster storage encryption is turned off",
    severity="medium",
    framework="terraform",
    types=["aws_redshift_cluster"],
    cwe="CWE-311",
    description="encrypted = false stores the warehouse's blocks, backups and snapshots unencrypted. Since January "
    "2025 AWS encrypts new clusters by default and the provider defaults to true, so only an explicit false is "
    "reported.",
    remediation="Set encrypted = true (with kms_key_id for a customer managed key).",
    example='resource "aws_redshift_cluster" "analytics" {\n  cluster_identifier = "analytics"\n'
    '  node_type          = "ra3.xlplus"\n  encrypted          = true\n'
    "  kms_key_id         = aws_kms_key.redshift.arn\n}",
    tags=("encryption", "database"),
    fix=SetValue(
        "encrypted",
        True,
        unsafe="encrypting an existing cluster migrates its data; the cluster is read-only while that runs, for hours "
        "on a large one",
    ),
)
def aws_redshift_unencrypted(resource):
    if is_false(resource.get("encrypted")):
        return Fail("encrypted", "encrypted is false: the warehouse is stored unencrypted")
    return None


# high: a public replication instance holds credentials to both source and target databases
@check(
    id="IG-AWS-128",
    title="DMS replication instance is publicly accessible",
    severity="high",
    framework="terraform",
    types=["aws_dms_replication_instance"],
    cwe="CWE-284",
    description="A publicly accessible replication instance gets a public IP address while holding connections "
    "and credentials to the source and target databases it migrates.",
    remediation="Set publicly_accessible = false and place the instance in private subnets with routes to both "
    "endpoints.",
    example='resource "aws_dms_replication_instance" "migrate" {\n  replication_instance_id    = "migrate"\n'
    '  replication_instance_class = "dms.t3.medium"\n  publicly_accessible        = false\n}',
    tags=("network", "database", "public"),
    fix=SetValue(
        "publicly_accessible",
        False,
        unsafe="publicly_accessible forces a new replication instance, and endpoints outside the VPC become "
        "unreachable",
    ),
)
def aws_dms_public(resource):
    if is_true(resource.get("publicly_accessible")):
        return Fail("publicly_accessible", "replication instance has a public IP address")
    return None


# Parameters that turn off enforced TLS, by parameter group type: name -> values meaning "not enforced".
TLS_OFF_PARAMETERS = {
    "aws_docdb_cluster_parameter_group": {"tls": {"disabled"}},
    "aws_redshift_parameter_group": {"require_ssl": {"false", "0", "off"}},
    "aws_db_parameter_group": {"rds.force_ssl": {"0", "false", "off"}, "require_secure_transport": {"0", "off"}},
    "aws_rds_cluster_parameter_group": {
        "rds.force_ssl": {"0", "false", "off"},
        "require_secure_transport": {"0", "off"},
    },
}


# medium: clients may connect in clear inside the network; not an exposure to the internet by itself
@check(
    id="IG-AWS-129",
    title="Database parameter group turns off enforced TLS",
    severity="medium",
    framework="terraform",
    types=list(TLS_OFF_PARAMETERS),
    cwe="CWE-319",
    description="A parameter that stops the engine from requiring TLS (DocumentDB tls = disabled, Redshift "
    "require_ssl = false, RDS rds.force_ssl = 0 or require_secure_transport = OFF) lets clients send credentials "
    "and query results unencrypted. Only an explicit setting is reported: engine defaults differ by version.",
    remediation='Set the parameter to enforce TLS (tls = "enabled", require_ssl = "true", rds.force_ssl = "1", '
    'require_secure_transport = "ON") or remove it where the engine default already enforces TLS.',
    example='resource "aws_db_parameter_group" "postgres" {\n  name   = "app-postgres16"\n  family = "postgres16"\n\n'
    '  parameter {\n    name  = "rds.force_ssl"\n    value = "1"\n  }\n}',
    tags=("encryption", "database"),
)
def aws_db_tls_not_enforced(resource):
    off = TLS_OFF_PARAMETERS[resource.type]
    verdict = Verdict()
    for path in block_paths(resource, "parameter", verdict):
        with verdict.item():
            name = str(resource.get(f"{path}.name", "")).lower()
            if name not in off:
                continue
            value = str(resource.get(f"{path}.value", "")).strip().lower()
            if value in off[name]:
                verdict.fail(f"{path}.value", f"parameter {name} = {value!r}: clients may connect without TLS")
    return verdict.result()


def _global_secondary(resource: Resource) -> bool:
    """A member of a global datastore that joins an existing one: encryption and AUTH come from the primary."""
    return configured(resource, "global_replication_group_id")


# medium: cache traffic, including session data and AUTH passwords, crosses the network in clear
@check(
    id="IG-AWS-130",
    title="ElastiCache replication group does not encrypt traffic in transit",
    severity="medium",
    framework="terraform",
    types=["aws_elasticache_replication_group"],
    cwe="CWE-319",
    description="Without transit_encryption_enabled (off by default) clients and replicas talk to the cache in "
    "clear, so anyone on the network path can read cached sessions and tokens; AUTH tokens also require it. "
    "Secondary members of a global datastore inherit the setting from the primary and are not reported.",
    remediation='Set transit_encryption_enabled = true (and transit_encryption_mode = "required" once clients use '
    "TLS).",
    example='resource "aws_elasticache_replication_group" "sessions" {\n  replication_group_id       = "sessions"\n'
    '  description                = "web sessions"\n  node_type                  = "cache.t4g.small"\n'
    "  at_rest_encryption_enabled = true\n  transit_encryption_enabled = true\n"
    "  auth_token                 = var.sessions_auth_token\n}",
    tags=("encryption",),
)
def aws_elasticache_transit(resource):
    if _global_secondary(resource):
        return None
    if _on(resource, "transit_encryption_enabled", False):
        if str(resource.get("transit_encryption_mode", "required")).lower() == "preferred":
            return Fail(
                "transit_encryption_mode", 'transit_encryption_mode is "preferred": clients may still connect in clear'
            )
        return None
    return Fail(written(resource, "transit_encryption_enabled"), "transit encryption is off: cache traffic is in clear")


# medium: encryption at rest absent (backups and swap in clear)
@check(
    id="IG-AWS-131",
    title="ElastiCache replication group is not encrypted at rest",
    severity="medium",
    framework="terraform",
    types=["aws_elasticache_replication_group"],
    cwe="CWE-311",
    description="Without at_rest_encryption_enabled the cache's disk swap and its backups in S3 are unencrypted. "
    "It defaults to off for the Redis engine and on for Valkey, and cannot be changed after creation. Secondary "
    "members of a global datastore inherit it from the primary and are not reported.",
    remediation="Set at_rest_encryption_enabled = true (with kms_key_id for a customer managed key).",
    example='resource "aws_elasticache_replication_group" "sessions" {\n  replication_group_id       = "sessions"\n'
    '  description                = "web sessions"\n  node_type                  = "cache.t4g.small"\n'
    "  at_rest_encryption_enabled = true\n  transit_encryption_enabled = true\n}",
    tags=("encryption",),
    fix=SetValue(
        "at_rest_encryption_enabled",
        True,
        unsafe="at-rest encryption cannot be turned on for an existing Redis replication group: Terraform replaces it "
        "and the cached data is lost",
    ),
)
def aws_elasticache_at_rest(resource):
    if _global_secondary(resource):
        return None
    valkey = str(_setting(resource, "engine", "redis")).lower() == "valkey"
    if _on(resource, "at_rest_encryption_enabled", valkey):
        return None
    return Fail(written(resource, "at_rest_encryption_enabled"), "encryption at rest is off")


# medium: any host that reaches the port can read and write every key; reachability is limited to the VPC
@check(
    id="IG-AWS-132",
    title="ElastiCache replication group accepts connections without authentication",
    severity="medium",
    framework="terraform",
    types=["aws_elasticache_replication_group"],
    cwe="CWE-306",
    description="With neither an AUTH token nor RBAC user groups, any workload that can reach the cache port can "
    "read, overwrite or flush every key (and with Redis, run commands such as CONFIG or replication changes).",
    remediation="Set auth_token (with transit encryption) or user_group_ids with per-application users.",
    example='resource "aws_elasticache_replication_group" "sessions" {\n  replication_group_id       = "sessions"\n'
    '  description                = "web sessions"\n  node_type                  = "cache.t4g.small"\n'
    "  transit_encryption_enabled = true\n  user_group_ids             = [aws_elasticache_user_group.app.id]\n}\n\n"
    'resource "aws_elasticache_user_group" "app" {\n  engine        = "redis"\n  user_group_id = "sessions-app"\n'
    '  user_ids      = ["default-disabled", "sessions-app"]\n}',
    tags=("iam",),
)
def aws_elasticache_no_auth(resource):
    if _global_secondary(resource):
        return None
    if decide_any([lambda: configured(resource, "auth_token"), lambda: configured(resource, "user_group_ids")]):
        return None
    return Fail(None, "no auth_token and no user_group_ids: clients connect without authentication")


# medium: MemoryDB is a primary database; clear-text traffic exposes its data on the network path
@check(
    id="IG-AWS-133",
    title="MemoryDB cluster has TLS disabled",
    severity="medium",
    framework="terraform",
    types=["aws_memorydb_cluster"],
    cwe="CWE-319",
    description="tls_enabled = false (it defaults to true) makes clients talk to the durable in-memory database in "
    "clear; it also forces the open-access ACL, since users cannot authenticate without TLS.",
    remediation="Remove tls_enabled = false (TLS cannot be turned on for an existing cluster: recreate it).",
    example='resource "aws_memorydb_cluster" "carts" {\n  name        = "carts"\n  node_type   = "db.t4g.small"\n'
    "  acl_name    = aws_memorydb_acl.app.name\n  tls_enabled = true\n}",
    tags=("encryption",),
    fix=SetValue(
        "tls_enabled", True, unsafe="tls_enabled forces a new cluster, and every client must then connect with TLS"
    ),
)
def aws_memorydb_tls(resource):
    if is_false(resource.get("tls_enabled")):
        return Fail("tls_enabled", "tls_enabled is false: cluster traffic is in clear")
    return None


# medium: unauthenticated access within the network to a primary database
@check(
    id="IG-AWS-134",
    title="MemoryDB cluster uses the open-access ACL",
    severity="medium",
    framework="terraform",
    types=["aws_memorydb_cluster"],
    cwe="CWE-306",
    description='The built-in "open-access" ACL lets any client that reaches the cluster run every command '
    "without a user name or password.",
    remediation="Create an aws_memorydb_acl with aws_memorydb_user entries scoped per application and set acl_name "
    "to it.",
    example='resource "aws_memorydb_cluster" "carts" {\n  name      = "carts"\n  node_type = "db.t4g.small"\n'
    "  acl_name  = aws_memorydb_acl.app.name\n}\n\n"
    'resource "aws_memorydb_acl" "app" {\n  name       = "carts-app"\n  user_names = ["carts-app"]\n}',
    tags=("iam",),
)
def aws_memorydb_open_access(resource):
    if any(attribute == "acl_name" for attribute, _ in resource.references):
        return None  # an ACL managed here: "open-access" is reserved for the built-in one
    if str(resource.get("acl_name", "")).lower() == "open-access":
        return Fail("acl_name", 'acl_name is "open-access": clients connect without authentication')
    return None


# low: recovery capability, not exposure
@check(
    id="IG-AWS-135",
    title="DynamoDB table has point-in-time recovery disabled",
    severity="low",
    framework="terraform",
    types=["aws_dynamodb_table"],
    cwe="CWE-693",
    description="Without point-in-time recovery (off by default) items overwritten or deleted by a bug, a bad "
    "migration or a compromised credential cannot be restored to the second before it happened.",
    remediation="Add point_in_time_recovery { enabled = true }.",
    example='resource "aws_dynamodb_table" "orders" {\n  name         = "orders"\n  billing_mode = "PAY_PER_REQUEST"\n'
    '  hash_key     = "order_id"\n\n  attribute {\n    name = "order_id"\n    type = "S"\n  }\n\n'
    "  point_in_time_recovery {\n    enabled = true\n  }\n}",
    tags=("database",),
    fix=SetValue(
        "point_in_time_recovery.0.enabled",
        True,
        unsafe="continuous backups are billed per GB of table size every month",
    ),
)
def aws_dynamodb_pitr(resource):
    block = first_block(resource, "point_in_time_recovery")
    if block is None:
        return Fail(None, "no point_in_time_recovery block: continuous backups are off")
    if not is_true(resource.get(f"{block}.enabled")):
        return Fail(written(resource, f"{block}.enabled", block), "point-in-time recovery is not enabled")
    return None


# low: the table is encrypted with an AWS owned key; what is missing is control and audit of the key
@check(
    id="IG-AWS-136",
    title="DynamoDB table is encrypted only with an AWS owned key",
    severity="low",
    framework="terraform",
    types=["aws_dynamodb_table"],
    cwe="CWE-311",
    description="DynamoDB always encrypts at rest, by default with an AWS owned key that the account cannot see, "
    "restrict or audit. A KMS key (AWS managed or customer managed) puts every decryption under a key policy "
    "and in CloudTrail, and lets access be revoked by disabling the key.",
    remediation="Add server_side_encryption { enabled = true } (the aws/dynamodb key) or, better, with kms_key_arn = a "
    "customer managed key whose policy you control.",
    example='resource "aws_dynamodb_table" "orders" {\n  name         = "orders"\n  billing_mode = "PAY_PER_REQUEST"\n'
    '  hash_key     = "order_id"\n\n  attribute {\n    name = "order_id"\n    type = "S"\n  }\n\n'
    "  server_side_encryption {\n    enabled     = true\n    kms_key_arn = aws_kms_key.dynamodb.arn\n  }\n}",
    tags=("encryption", "database"),
    fix=SetValue(
        "server_side_encryption.0.enabled",
        True,
        unsafe="the table moves to the AWS managed KMS key aws/dynamodb, whose requests KMS bills",
    ),
)
def aws_dynamodb_no_cmk(resource):
    block = first_block(resource, "server_side_encryption")
    if block is None:
        return Fail(None, "no server_side_encryption block: the table uses an AWS owned key")
    if not is_true(resource.get(f"{block}.enabled")):
        return Fail(
            written(resource, f"{block}.enabled", block), "server_side_encryption is not enabled: AWS owned key"
        )
    return None


# medium: cached table data in clear at rest
@check(
    id="IG-AWS-137",
    title="DAX cluster is not encrypted at rest",
    severity="medium",
    framework="terraform",
    types=["aws_dax_cluster"],
    cwe="CWE-311",
    description="A DAX cluster caches DynamoDB items; without server_side_encryption (off by default) the cache, "
    "its configuration and logs are stored in clear, unlike the table behind it.",
    remediation="Add server_side_encryption { enabled = true } (it can only be set at creation).",
    example='resource "aws_dax_cluster" "orders" {\n  cluster_name       = "orders"\n'
    '  iam_role_arn       = aws_iam_role.dax.arn\n  node_type          = "dax.t3.small"\n  replication_factor = 3\n'
    '  cluster_endpoint_encryption_type = "TLS"\n\n  server_side_encryption {\n    enabled = true\n  }\n}',
    tags=("encryption", "database"),
    fix=SetValue(
        "server_side_encryption.0.enabled",
        True,
        unsafe="server_side_encryption forces a new DAX cluster, and its cache starts empty",
    ),
)
def aws_dax_at_rest(resource):
    block = first_block(resource, "server_side_encryption")
    if block is None:
        return Fail(None, "no server_side_encryption block: the cache is not encrypted at rest")
    if not is_true(resource.get(f"{block}.enabled")):
        return Fail(written(resource, f"{block}.enabled", block), "server_side_encryption is not enabled")
    return None


# medium: cache traffic in clear inside the VPC
@check(
    id="IG-AWS-138",
    title="DAX cluster endpoint does not use TLS",
    severity="medium",
    framework="terraform",
    types=["aws_dax_cluster"],
    cwe="CWE-319",
    description='cluster_endpoint_encryption_type defaults to "NONE": applications read and write DynamoDB items '
    "through the cache in clear.",
    remediation='Set cluster_endpoint_encryption_type = "TLS" (it can only be set at creation).',
    example='resource "aws_dax_cluster" "orders" {\n  cluster_name                     = "orders"\n'
    '  iam_role_arn                     = aws_iam_role.dax.arn\n  node_type                        = "dax.t3.small"\n'
    '  replication_factor               = 3\n  cluster_endpoint_encryption_type = "TLS"\n}',
    tags=("encryption",),
    fix=SetValue(
        "cluster_endpoint_encryption_type",
        "TLS",
        unsafe="cluster_endpoint_encryption_type forces a new DAX cluster, and clients must then connect with TLS",
    ),
)
def aws_dax_transit(resource):
    kind = _setting(resource, "cluster_endpoint_encryption_type", "NONE")
    if str(kind).upper() != "TLS":
        return Fail(written(resource, "cluster_endpoint_encryption_type"), f"endpoint encryption is {kind!r}")
    return None


def _msk_transit(resource, block: str) -> Fail | None:
    client = _setting(resource, f"{block}.client_broker", "TLS")
    if str(client).upper() != "TLS":
        return Fail(f"{block}.client_broker", f"client_broker is {client!r}: clients may produce and consume in clear")
    if not _on(resource, f"{block}.in_cluster", True):
        return Fail(f"{block}.in_cluster", "in_cluster is false: brokers replicate in clear")
    return None


# medium: event data in clear on the network path
@check(
    id="IG-AWS-139",
    title="MSK cluster allows plaintext traffic",
    severity="medium",
    framework="terraform",
    types=["aws_msk_cluster"],
    cwe="CWE-319",
    description='encryption_in_transit with client_broker "PLAINTEXT" or "TLS_PLAINTEXT", or in_cluster = false, '
    "lets messages (and SASL/SCRAM credentials) travel between clients and brokers, or between brokers, in clear. "
    "The defaults (TLS, in-cluster encryption on) are safe.",
    remediation='Set encryption_info { encryption_in_transit { client_broker = "TLS", in_cluster = true } }.',
    example='resource "aws_msk_cluster" "events" {\n  cluster_name           = "events"\n'
    '  kafka_version          = "3.6.0"\n'
    '  number_of_broker_nodes = 3\n\n  broker_node_group_info {\n    instance_type   = "kafka.m5.large"\n'
    "    client_subnets  = var.private_subnet_ids\n    security_groups = [aws_security_group.kafka.id]\n  }\n\n"
    '  encryption_info {\n    encryption_in_transit {\n      client_broker = "TLS"\n      in_cluster    = true\n'
    "    }\n  }\n}",
    tags=("encryption",),
)
def aws_msk_plaintext(resource):
    info = first_block(resource, "encryption_info")
    transit = first_block(resource, f"{info}.encryption_in_transit") if info else None
    return _msk_transit(resource, transit) if transit else None


# medium: anyone with network access to the brokers can read and write every topic
@check(
    id="IG-AWS-140",
    title="MSK cluster allows unauthenticated clients",
    severity="medium",
    framework="terraform",
    types=["aws_msk_cluster"],
    cwe="CWE-306",
    description="Without a client_authentication block, or with unauthenticated = true, any client that reaches a "
    "broker can produce to and consume from every topic: Kafka ACLs cannot tell clients apart.",
    remediation="Add client_authentication with sasl { iam = true } (or scram, or tls with a private CA) and leave "
    "unauthenticated off.",
    example='resource "aws_msk_cluster" "events" {\n  cluster_name           = "events"\n'
    '  kafka_version          = "3.6.0"\n'
    '  number_of_broker_nodes = 3\n\n  broker_node_group_info {\n    instance_type   = "kafka.m5.large"\n'
    "    client_subnets  = var.private_subnet_ids\n    security_groups = [aws_security_group.kafka.id]\n  }\n\n"
    "  client_authentication {\n    unauthenticated = false\n    sasl {\n      iam = true\n    }\n  }\n}",
    tags=("iam",),
)
def aws_msk_unauthenticated(resource):
    block = first_block(resource, "client_authentication")
    if block is None:
        return Fail(None, "no client_authentication block: clients connect unauthenticated")
    if is_true(resource.get(f"{block}.unauthenticated")):
        return Fail(f"{block}.unauthenticated", "unauthenticated access is enabled")
    return None


# high: brokers reachable from the internet
@check(
    id="IG-AWS-141",
    title="MSK cluster brokers are publicly accessible",
    severity="high",
    framework="terraform",
    types=["aws_msk_cluster"],
    cwe="CWE-284",
    description='public_access type "SERVICE_PROVIDED_EIPS" gives every broker a public IP address, so the Kafka '
    "listeners are reachable from the internet wherever the security groups allow.",
    remediation='Set public_access { type = "DISABLED" } (the default) and connect through the VPC, PrivateLink or '
    "multi-VPC connectivity.",
    example='resource "aws_msk_cluster" "events" {\n  cluster_name           = "events"\n'
    '  kafka_version          = "3.6.0"\n'
    '  number_of_broker_nodes = 3\n\n  broker_node_group_info {\n    instance_type   = "kafka.m5.large"\n'
    "    client_subnets  = var.private_subnet_ids\n    security_groups = [aws_security_group.kafka.id]\n\n"
    '    connectivity_info {\n      public_access {\n        type = "DISABLED"\n      }\n    }\n  }\n}',
    tags=("network", "public"),
    fix=SetValue(
        "broker_node_group_info.0.connectivity_info.0.public_access.0.type",
        "DISABLED",
        unsafe="clients outside the VPC lose their connection to the brokers",
    ),
)
def aws_msk_public(resource):
    path = "broker_node_group_info.0.connectivity_info.0.public_access.0.type"
    if str(resource.get(path, "DISABLED")).upper() == "SERVICE_PROVIDED_EIPS":
        return Fail(path, "brokers get public IP addresses (SERVICE_PROVIDED_EIPS)")
    return None


# low: logging gap
@check(
    id="IG-AWS-142",
    title="MSK cluster does not deliver broker logs",
    severity="low",
    framework="terraform",
    types=["aws_msk_cluster"],
    cwe="CWE-778",
    description="Without logging_info no broker log leaves the managed brokers, so authentication failures and "
    "client errors cannot be investigated.",
    remediation="Add logging_info { broker_logs { cloudwatch_logs { enabled = true, log_group = ... } } } "
    "(or firehose / s3).",
    example='resource "aws_msk_cluster" "events" {\n  cluster_name           = "events"\n'
    '  kafka_version          = "3.6.0"\n'
    '  number_of_broker_nodes = 3\n\n  broker_node_group_info {\n    instance_type   = "kafka.m5.large"\n'
    "    client_subnets  = var.private_subnet_ids\n    security_groups = [aws_security_group.kafka.id]\n  }\n\n"
    "  logging_info {\n    broker_logs {\n      cloudwatch_logs {\n        enabled   = true\n"
    "        log_group = aws_cloudwatch_log_group.kafka.name\n      }\n    }\n  }\n}",
    tags=("logging",),
)
def aws_msk_no_logs(resource):
    info = first_block(resource, "logging_info")
    logs = first_block(resource, f"{info}.broker_logs") if info else None
    if logs is None:
        return Fail(info, "no broker_logs destination: broker logs are not delivered")
    verdict = Verdict()
    for sink in ("cloudwatch_logs", "firehose", "s3"):
        for path in block_paths(resource, f"{logs}.{sink}", verdict):
            with verdict.item():
                if is_true(resource.get(f"{path}.enabled")):
                    return None
    verdict.result()
    return Fail(logs, "no broker log destination is enabled")


# high: a public broker exposes its queues and web console to the internet
@check(
    id="IG-AWS-143",
    title="Amazon MQ broker is publicly accessible",
    severity="high",
    framework="terraform",
    types=["aws_mq_broker"],
    cwe="CWE-284",
    description="publicly_accessible = true gives the broker a public endpoint: its messaging ports and its web "
    "console accept connections from the internet, protected only by user passwords.",
    remediation="Set publicly_accessible = false and deploy the broker into private subnets.",
    example='resource "aws_mq_broker" "orders" {\n  broker_name         = "orders"\n'
    '  engine_type         = "RabbitMQ"\n'
    '  engine_version      = "3.13"\n  host_instance_type  = "mq.m5.large"\n  publicly_accessible = false\n'
    "  subnet_ids          = [var.private_subnet_id]\n\n  logs {\n    general = true\n  }\n\n"
    '  user {\n    username = "orders"\n    password = var.mq_password\n  }\n}',
    tags=("network", "public"),
    fix=SetValue(
        "publicly_accessible",
        False,
        unsafe="publicly_accessible forces a new broker, and clients outside the VPC lose their connection",
    ),
)
def aws_mq_public(resource):
    if is_true(resource.get("publicly_accessible")):
        return Fail("publicly_accessible", "broker has a public endpoint")
    return None


# low: logging gap
@check(
    id="IG-AWS-144",
    title="Amazon MQ broker general logging is disabled",
    severity="low",
    framework="terraform",
    types=["aws_mq_broker"],
    cwe="CWE-778",
    description="General logs (off by default) record connections, errors and configuration changes of the broker; "
    "without them a misuse of its credentials leaves no trace in CloudWatch.",
    remediation="Add logs { general = true } (and audit = true for ActiveMQ).",
    example='resource "aws_mq_broker" "orders" {\n  broker_name        = "orders"\n  engine_type        = "ActiveMQ"\n'
    '  engine_version     = "5.18"\n  host_instance_type = "mq.m5.large"\n\n  logs {\n    general = true\n'
    '    audit   = true\n  }\n\n  user {\n    username = "orders"\n    password = var.mq_password\n  }\n}',
    tags=("logging",),
    fix=SetValue("logs.0.general", True),
)
def aws_mq_no_logs(resource):
    block = first_block(resource, "logs")
    if block is None:
        return Fail(None, "no logs block: broker logs are off")
    if not is_true(resource.get(f"{block}.general")):
        return Fail(written(resource, f"{block}.general", block), "general logging is off")
    return None


SEARCH_DOMAINS = ["aws_opensearch_domain", "aws_elasticsearch_domain"]


# medium: indexed documents in clear at rest
@check(
    id="IG-AWS-145",
    title="OpenSearch domain is not encrypted at rest",
    severity="medium",
    framework="terraform",
    types=SEARCH_DOMAINS,
    cwe="CWE-311",
    description="Without encrypt_at_rest (off by default in Terraform) the domain's indices, logs, swap and "
    "automated snapshots are stored in clear.",
    remediation="Add encrypt_at_rest { enabled = true } (with kms_key_id for a customer managed key).",
    example='resource "aws_opensearch_domain" "search" {\n  domain_name    = "search"\n'
    '  engine_version = "OpenSearch_2.13"\n\n'
    "  encrypt_at_rest {\n    enabled = true\n  }\n\n  node_to_node_encryption {\n    enabled = true\n  }\n}",
    tags=("encryption",),
    fix=SetValue(
        "encrypt_at_rest.0.enabled",
        True,
        unsafe="on Elasticsearch older than 6.7, enabling encryption at rest recreates the domain, "
        "potentially losing its indices",
    ),
)
def aws_search_at_rest(resource):
    block = first_block(resource, "encrypt_at_rest")
    if block is None:
        return Fail(None, "no encrypt_at_rest block: indices are stored unencrypted")
    if not is_true(resource.get(f"{block}.enabled")):
        return Fail(written(resource, f"{block}.enabled", block), "encryption at rest is not enabled")
    return None


# medium: cluster-internal traffic in clear
@check(
    id="IG-AWS-146",
    title="OpenSearch domain node-to-node encryption is disabled",
    severity="medium",
    framework="terraform",
    types=SEARCH_DOMAINS,
    cwe="CWE-319",
    description="Without node_to_node_encryption (off by default) documents and queries travel between the "
    "domain's nodes in clear; fine-grained access control also requires it.",
    remediation="Add node_to_node_encryption { enabled = true }.",
    example='resource "aws_opensearch_domain" "search" {\n  domain_name    = "search"\n'
    '  engine_version = "OpenSearch_2.13"\n\n'
    "  node_to_node_encryption {\n    enabled = true\n  }\n}",
    tags=("encryption",),
    fix=SetValue(
        "node_to_node_encryption.0.enabled",
        True,
        unsafe="on Elasticsearch older than 6.7, enabling node-to-node encryption recreates the domain, "
        "potentially losing its indices",
    ),
)
def aws_search_node_to_node(resource):
    block = first_block(resource, "node_to_node_encryption")
    if block is None:
        return Fail(None, "no node_to_node_encryption block: traffic between nodes is in clear")
    if not is_true(resource.get(f"{block}.enabled")):
        return Fail(written(resource, f"{block}.enabled", block), "node-to-node encryption is not enabled")
    return None


# medium: requests and credentials can reach the endpoint over HTTP or outdated TLS
@check(
    id="IG-AWS-147",
    title="OpenSearch domain endpoint accepts plain HTTP or TLS 1.0",
    severity="medium",
    framework="terraform",
    types=SEARCH_DOMAINS,
    cwe="CWE-326",
    description="enforce_https = false lets clients send queries and basic-auth credentials over plain HTTP; the "
    "Policy-Min-TLS-1-0-2019-07 security policy keeps TLS 1.0 and 1.1, which are deprecated and weak.",
    remediation='Keep enforce_https = true (the default) and set tls_security_policy = "Policy-Min-TLS-1-2-2019-07" '
    "(or a newer PFS policy).",
    example='resource "aws_opensearch_domain" "search" {\n  domain_name    = "search"\n'
    '  engine_version = "OpenSearch_2.13"\n\n'
    "  domain_endpoint_options {\n    enforce_https       = true\n"
    '    tls_security_policy = "Policy-Min-TLS-1-2-2019-07"\n'
    "  }\n}",
    tags=("encryption", "network"),
)
def aws_search_endpoint_tls(resource):
    block = first_block(resource, "domain_endpoint_options")
    if block is None:
        return None
    if is_false(resource.get(f"{block}.enforce_https")):
        return Fail(f"{block}.enforce_https", "enforce_https is false: the endpoint accepts plain HTTP")
    policy = resource.get(f"{block}.tls_security_policy")
    if isinstance(policy, str) and "TLS-1-0" in policy:
        return Fail(f"{block}.tls_security_policy", f"tls_security_policy {policy!r} allows TLS 1.0 and 1.1")
    return None


# low: logging gap
@check(
    id="IG-AWS-148",
    title="OpenSearch domain does not publish audit logs",
    severity="low",
    framework="terraform",
    types=SEARCH_DOMAINS,
    cwe="CWE-778",
    description="Audit logs record who authenticated and which indices they read or changed; without a "
    "log_publishing_options block of type AUDIT_LOGS a data leak through the domain cannot be scoped. (Audit "
    "logs also need fine-grained access control.)",
    remediation='Add log_publishing_options { log_type = "AUDIT_LOGS", cloudwatch_log_group_arn = ... } and enable '
    "audit logging in the domain's security plugin.",
    example='resource "aws_opensearch_domain" "search" {\n  domain_name    = "search"\n'
    '  engine_version = "OpenSearch_2.13"\n\n'
    '  log_publishing_options {\n    log_type                 = "AUDIT_LOGS"\n'
    "    cloudwatch_log_group_arn = aws_cloudwatch_log_group.search_audit.arn\n  }\n}",
    tags=("logging",),
)
def aws_search_no_audit_logs(resource):
    verdict = Verdict()
    disabled = None
    for path in block_paths(resource, "log_publishing_options", verdict):
        with verdict.item():
            if resource.get(f"{path}.log_type") == "AUDIT_LOGS":
                if _on(resource, f"{path}.enabled", True):
                    return None
                disabled = f"{path}.enabled"
    verdict.result()
    if disabled:
        return Fail(disabled, "AUDIT_LOGS publishing is disabled: domain access is not audited")
    return Fail(None, "no AUDIT_LOGS log_publishing_options: domain access is not audited")


# medium: turns off the account's guarantee that every new volume is encrypted
@check(
    id="IG-AWS-149",
    title="EBS encryption by default is turned off",
    severity="medium",
    framework="terraform",
    types=["aws_ebs_encryption_by_default"],
    cwe="CWE-311",
    compliance={"cis-aws-3.0": ["2.2.1"]},
    description="aws_ebs_encryption_by_default with enabled = false switches off, for the whole account and region, "
    "the setting that encrypts every new EBS volume and snapshot copy even when its own configuration forgets to.",
    remediation="Set enabled = true (the resource's default).",
    example='resource "aws_ebs_encryption_by_default" "this" {\n  enabled = true\n}',
    tags=("encryption",),
    fix=SetValue(
        "enabled",
        True,
        unsafe="new volumes are encrypted with aws/ebs, whose snapshots cannot be shared with other accounts, and "
        "instance types without EBS encryption fail to launch",
    ),
)
def aws_ebs_default_encryption_off(resource):
    if is_false(resource.get("enabled")):
        return Fail("enabled", "EBS encryption by default is turned off for the region")
    return None


# medium: stream records in clear at rest
@check(
    id="IG-AWS-150",
    title="Kinesis data stream is not encrypted at rest",
    severity="medium",
    framework="terraform",
    types=["aws_kinesis_stream"],
    cwe="CWE-311",
    description='encryption_type defaults to "NONE": records are stored unencrypted in the stream for its whole '
    "retention period.",
    remediation='Set encryption_type = "KMS" and kms_key_id (alias/aws/kinesis or a customer managed key).',
    example='resource "aws_kinesis_stream" "clicks" {\n  name             = "clicks"\n  retention_period = 24\n'
    '  encryption_type  = "KMS"\n  kms_key_id       = aws_kms_key.kinesis.id\n\n  stream_mode_details {\n'
    '    stream_mode = "ON_DEMAND"\n  }\n}',
    tags=("encryption",),
)
def aws_kinesis_unencrypted(resource):
    kind = _setting(resource, "encryption_type", "NONE")
    if str(kind).upper() != "KMS":
        return Fail(written(resource, "encryption_type"), f"encryption_type is {kind!r}: records are stored in clear")
    return None


# medium: buffered records in clear at rest
@check(
    id="IG-AWS-151",
    title="Firehose delivery stream is not encrypted at rest",
    severity="medium",
    framework="terraform",
    types=["aws_kinesis_firehose_delivery_stream"],
    cwe="CWE-311",
    description="A Direct PUT delivery stream without server_side_encryption (off by default) buffers records "
    "unencrypted before delivering them. Streams reading from a Kinesis data stream or MSK use the source's "
    "encryption and are not reported.",
    remediation='Add server_side_encryption { enabled = true } (key_type = "CUSTOMER_MANAGED_CMK" with key_arn '
    "for a customer managed key).",
    example='resource "aws_kinesis_firehose_delivery_stream" "clicks" {\n  name        = "clicks"\n'
    '  destination = "extended_s3"\n\n  server_side_encryption {\n    enabled = true\n  }\n\n'
    "  extended_s3_configuration {\n    role_arn   = aws_iam_role.firehose.arn\n"
    "    bucket_arn = aws_s3_bucket.clicks.arn\n  }\n}",
    tags=("encryption",),
    fix=SetValue("server_side_encryption.0.enabled", True),
)
def aws_firehose_unencrypted(resource):
    for source in ("kinesis_source_configuration", "msk_source_configuration"):
        if first_block(resource, source) is not None:
            return None
    block = first_block(resource, "server_side_encryption")
    if block is None:
        return Fail(None, "no server_side_encryption block: buffered records are stored in clear")
    if not is_true(resource.get(f"{block}.enabled")):
        return Fail(written(resource, f"{block}.enabled", block), "server-side encryption is not enabled")
    return None


# medium: root on a notebook that holds an execution role and data lets users escape guard rails
@check(
    id="IG-AWS-152",
    title="SageMaker notebook instance gives users root access",
    severity="medium",
    framework="terraform",
    types=["aws_sagemaker_notebook_instance"],
    cwe="CWE-250",
    description='root_access defaults to "Enabled": every notebook user can become root, change the instance\'s '
    "software and lifecycle, and tamper with the logs and controls on it.",
    remediation='Set root_access = "Disabled" and install packages through lifecycle configurations.',
    example='resource "aws_sagemaker_notebook_instance" "research" {\n  name                   = "research"\n'
    '  role_arn               = aws_iam_role.sagemaker.arn\n  instance_type          = "ml.t3.medium"\n'
    "  subnet_id              = var.private_subnet_id\n  security_groups        = [aws_security_group.notebook.id]\n"
    '  kms_key_id             = aws_kms_key.sagemaker.arn\n  root_access            = "Disabled"\n'
    '  direct_internet_access = "Disabled"\n}',
    tags=("iam",),
    fix=SetValue(
        "root_access", "Disabled", unsafe="notebook users lose sudo, so installs and setups that need root stop working"
    ),
)
def aws_sagemaker_root(resource):
    value = _setting(resource, "root_access", "Enabled")
    if str(value) != "Disabled":
        return Fail(written(resource, "root_access"), f"root_access is {value!r}")
    return None


# medium: a direct internet path from an instance holding an execution role and data enables exfiltration
@check(
    id="IG-AWS-153",
    title="SageMaker notebook instance has direct internet access",
    severity="medium",
    framework="terraform",
    types=["aws_sagemaker_notebook_instance"],
    cwe="CWE-284",
    description='direct_internet_access defaults to "Enabled": the notebook reaches the internet through a '
    "SageMaker-managed network interface, bypassing the VPC's egress controls, so data and the execution role's "
    "credentials can leave without passing any proxy or flow log.",
    remediation='Set direct_internet_access = "Disabled" with a subnet_id, and provide egress through NAT or VPC '
    "endpoints.",
    example='resource "aws_sagemaker_notebook_instance" "research" {\n  name                   = "research"\n'
    '  role_arn               = aws_iam_role.sagemaker.arn\n  instance_type          = "ml.t3.medium"\n'
    "  subnet_id              = var.private_subnet_id\n  security_groups        = [aws_security_group.notebook.id]\n"
    '  direct_internet_access = "Disabled"\n}',
    tags=("network",),
)
def aws_sagemaker_internet(resource):
    value = _setting(resource, "direct_internet_access", "Enabled")
    if str(value) != "Disabled":
        return Fail(written(resource, "direct_internet_access"), f"direct_internet_access is {value!r}")
    return None


# low: the ML storage volume is encrypted with an AWS managed key; the key is not under the account's control
@check(
    id="IG-AWS-154",
    title="SageMaker notebook instance storage is not encrypted with a customer managed key",
    severity="low",
    framework="terraform",
    types=["aws_sagemaker_notebook_instance"],
    cwe="CWE-311",
    description="Without kms_key_id the notebook's ML storage volume is encrypted with an AWS managed key, so "
    "access to the data cannot be restricted or revoked through a key policy.",
    remediation="Set kms_key_id to a customer managed KMS key.",
    example='resource "aws_sagemaker_notebook_instance" "research" {\n  name          = "research"\n'
    '  role_arn      = aws_iam_role.sagemaker.arn\n  instance_type = "ml.t3.medium"\n'
    "  kms_key_id    = aws_kms_key.sagemaker.arn\n}\n\n"
    'resource "aws_kms_key" "sagemaker" {\n  description         = "notebook volumes"\n  enable_key_rotation = true\n}',
    tags=("encryption",),
)
def aws_sagemaker_no_cmk(resource):
    if not configured(resource, "kms_key_id"):
        return Fail(written(resource, "kms_key_id"), "no kms_key_id: the storage volume uses an AWS managed key")
    return None


# medium: catalog metadata and connection passwords in clear
@check(
    id="IG-AWS-155",
    title="Glue Data Catalog is not encrypted",
    severity="medium",
    framework="terraform",
    types=["aws_glue_data_catalog_encryption_settings"],
    cwe="CWE-311",
    description='catalog_encryption_mode = "DISABLED" stores table definitions unencrypted, and '
    "return_connection_password_encrypted = false returns JDBC connection passwords in clear to anyone allowed "
    "to call GetConnection.",
    remediation='Set catalog_encryption_mode = "SSE-KMS" with sse_aws_kms_key_id, and '
    "return_connection_password_encrypted = true with aws_kms_key_id.",
    example='resource "aws_glue_data_catalog_encryption_settings" "this" {\n  data_catalog_encryption_settings {\n'
    "    connection_password_encryption {\n      return_connection_password_encrypted = true\n"
    "      aws_kms_key_id                       = aws_kms_key.glue.arn\n    }\n\n    encryption_at_rest {\n"
    '      catalog_encryption_mode = "SSE-KMS"\n      sse_aws_kms_key_id      = aws_kms_key.glue.arn\n'
    "    }\n  }\n}",
    tags=("encryption",),
)
def aws_glue_catalog_unencrypted(resource):
    verdict = Verdict()
    for settings in block_paths(resource, "data_catalog_encryption_settings", verdict):
        for rest in block_paths(resource, f"{settings}.encryption_at_rest", verdict):
            with verdict.item():
                mode = resource.get(f"{rest}.catalog_encryption_mode")
                if str(mode).upper() == "DISABLED":
                    verdict.fail(f"{rest}.catalog_encryption_mode", "catalog encryption at rest is DISABLED")
        for conn in block_paths(resource, f"{settings}.connection_password_encryption", verdict):
            with verdict.item():
                if is_false(resource.get(f"{conn}.return_connection_password_encrypted")):
                    verdict.fail(
                        f"{conn}.return_connection_password_encrypted", "connection passwords are returned in clear"
                    )
    return verdict.result()


GLUE_ENCRYPTION_MODES = {
    "cloudwatch_encryption": "cloudwatch_encryption_mode",
    "job_bookmarks_encryption": "job_bookmarks_encryption_mode",
    "s3_encryption": "s3_encryption_mode",
}


# medium: job output, logs or bookmarks in clear
@check(
    id="IG-AWS-156",
    title="Glue security configuration leaves job data unencrypted",
    severity="medium",
    framework="terraform",
    types=["aws_glue_security_configuration"],
    cwe="CWE-311",
    description="A security configuration whose CloudWatch, job bookmark or S3 encryption mode is DISABLED (the "
    "default of each) lets the jobs that use it write logs, bookmarks or output data without KMS encryption.",
    remediation='Set cloudwatch_encryption_mode = "SSE-KMS", job_bookmarks_encryption_mode = "CSE-KMS" and '
    's3_encryption_mode = "SSE-KMS", each with kms_key_arn.',
    example='resource "aws_glue_security_configuration" "etl" {\n  name = "etl"\n\n  encryption_configuration {\n'
    '    cloudwatch_encryption {\n      cloudwatch_encryption_mode = "SSE-KMS"\n      kms_key_arn                = '
    'aws_kms_key.glue.arn\n    }\n\n    job_bookmarks_encryption {\n      job_bookmarks_encryption_mode = "CSE-KMS"\n'
    "      kms_key_arn                   = aws_kms_key.glue.arn\n    }\n\n    s3_encryption {\n"
    '      s3_encryption_mode = "SSE-KMS"\n      kms_key_arn        = aws_kms_key.glue.arn\n    }\n  }\n}',
    tags=("encryption",),
)
def aws_glue_security_configuration(resource):
    verdict = Verdict()
    for config in block_paths(resource, "encryption_configuration", verdict):
        for name, mode_attr in GLUE_ENCRYPTION_MODES.items():
            blocks = block_paths(resource, f"{config}.{name}", verdict)
            if not blocks and name not in dynamic_blocks(resource, config):
                verdict.fail(config, f"no {name} block: it is DISABLED")
            for block in blocks:
                with verdict.item():
                    if str(_setting(resource, f"{block}.{mode_attr}", "DISABLED")).upper() == "DISABLED":
                        verdict.fail(written(resource, f"{block}.{mode_attr}", block), f"{mode_attr} is DISABLED")
    return verdict.result()


# low: S3 encrypts results by default with SSE-S3; what is missing is a workgroup-enforced KMS key
@check(
    id="IG-AWS-157",
    title="Athena workgroup does not enforce encrypted query results",
    severity="low",
    framework="terraform",
    types=["aws_athena_workgroup"],
    cwe="CWE-311",
    description="Query results often contain the most sensitive rows of a data lake. Without an "
    "encryption_configuration enforced by the workgroup (enforce_workgroup_configuration, on by default), each "
    "client chooses whether and how its results are encrypted.",
    remediation='Add configuration { result_configuration { encryption_configuration { encryption_option = "SSE_KMS", '
    "kms_key_arn = ... } } } and keep enforce_workgroup_configuration = true.",
    example='resource "aws_athena_workgroup" "analysts" {\n  name = "analysts"\n\n  configuration {\n'
    "    enforce_workgroup_configuration = true\n\n    result_configuration {\n"
    '      output_location = "s3://${aws_s3_bucket.athena_results.bucket}/analysts/"\n\n'
    '      encryption_configuration {\n        encryption_option = "SSE_KMS"\n'
    "        kms_key_arn       = aws_kms_key.athena.arn\n      }\n    }\n  }\n}",
    tags=("encryption",),
)
def aws_athena_results_unencrypted(resource):
    config = first_block(resource, "configuration")
    if config is None:
        return Fail(None, "no configuration block: query result encryption is left to each client")
    if is_false(resource.get(f"{config}.enforce_workgroup_configuration")):
        return Fail(f"{config}.enforce_workgroup_configuration", "clients may override the workgroup's result settings")
    results = first_block(resource, f"{config}.result_configuration")
    encryption = first_block(resource, f"{results}.encryption_configuration") if results else None
    if encryption is None:
        return Fail(results or config, "no encryption_configuration for query results")
    return None


# medium: every IAM principal allowed any QLDB action gets full access to the ledger's data
@check(
    id="IG-AWS-158",
    title="QLDB ledger uses the ALLOW_ALL permissions mode",
    severity="medium",
    framework="terraform",
    types=["aws_qldb_ledger"],
    cwe="CWE-732",
    description='permissions_mode = "ALLOW_ALL" grants full access to every table of the ledger to anyone allowed '
    "to call qldb:SendCommand on it, with no table- or command-level IAM permissions.",
    remediation='Set permissions_mode = "STANDARD" and grant PartiQL permissions per table.',
    example='resource "aws_qldb_ledger" "payments" {\n  name                = "payments"\n'
    '  permissions_mode    = "STANDARD"\n  deletion_protection = true\n}',
    tags=("iam",),
    fix=SetValue(
        "permissions_mode",
        "STANDARD",
        unsafe="principals then need table-level PartiQL permissions; access granted only for ALLOW_ALL stops",
    ),
)
def aws_qldb_allow_all(resource):
    if str(resource.get("permissions_mode", "")).upper() == "ALLOW_ALL":
        return Fail("permissions_mode", "permissions_mode is ALLOW_ALL: no table-level access control")
    return None


# Certificate authorities whose certificates have expired (rds-ca-2015 in March 2020, rds-ca-2019 in August 2024).
EXPIRED_RDS_CAS = {"rds-ca-2015", "rds-ca-2019"}


# low: clients that verify the server certificate fail, those that do not are exposed to impersonation
@check(
    id="IG-AWS-202",
    title="RDS database uses an expired certificate authority",
    severity="low",
    framework="terraform",
    types=["aws_db_instance", "aws_rds_cluster_instance", "aws_rds_cluster"],
    cwe="CWE-298",
    description="ca_cert_identifier rds-ca-2015 or rds-ca-2019 names a certificate authority whose certificates "
    "have expired: clients that verify the server certificate cannot connect over TLS, which pushes teams to "
    "turn verification off.",
    remediation='Set ca_cert_identifier = "rds-ca-rsa2048-g1" (or rds-ca-rsa4096-g1 / rds-ca-ecc384-g1) and '
    "update the CA bundle of the clients.",
    example='resource "aws_db_instance" "app" {\n  identifier         = "app"\n  engine             = "postgres"\n'
    '  instance_class     = "db.t4g.medium"\n  storage_encrypted  = true\n  ca_cert_identifier = "rds-ca-rsa2048-g1"\n'
    "}",
    tags=("encryption", "database"),
    fix=SetValue(
        "ca_cert_identifier",
        "rds-ca-rsa2048-g1",
        unsafe="the database restarts to take the new certificate, and clients that pin the old CA bundle fail TLS",
    ),
)
def aws_rds_expired_ca(resource):
    ca = resource.get("ca_cert_identifier")
    if isinstance(ca, str) and ca.strip().lower() in EXPIRED_RDS_CAS:
        return Fail("ca_cert_identifier", f"certificate authority {ca!r} has expired")
    return None


# Source and target engines of DMS endpoints that speak TLS (not S3, Kinesis, DynamoDB...).
DMS_TLS_ENGINES = {
    "aurora",
    "aurora-postgresql",
    "aurora-serverless",
    "aurora-postgresql-serverless",
    "babelfish",
    "db2",
    "db2-zos",
    "docdb",
    "mariadb",
    "mongodb",
    "mysql",
    "oracle",
    "postgres",
    "sqlserver",
    "sybase",
}


# medium: replicated rows and the database password cross the network in clear
@check(
    id="IG-AWS-203",
    title="DMS database endpoint does not use TLS",
    severity="medium",
    framework="terraform",
    types=["aws_dms_endpoint"],
    cwe="CWE-319",
    description='ssl_mode defaults to "none": the replication instance connects to the source or target database '
    "in clear, so every migrated row and the endpoint's credentials cross the network unencrypted.",
    remediation='Set ssl_mode = "verify-full" (or "require") and certificate_arn to the database\'s CA certificate.',
    example='resource "aws_dms_endpoint" "orders_source" {\n  endpoint_id     = "orders-source"\n'
    '  endpoint_type   = "source"\n  engine_name     = "postgres"\n  server_name     = "orders.internal.example.com"\n'
    '  port            = 5432\n  database_name   = "orders"\n  ssl_mode        = "verify-full"\n'
    "  certificate_arn = aws_dms_certificate.rds.certificate_arn\n}",
    tags=("encryption", "database"),
    fix=SetValue(
        "ssl_mode",
        "require",
        unsafe="the database must accept TLS on that endpoint, or the replication tasks fail to connect",
    ),
)
def aws_dms_endpoint_plaintext(resource):
    engine = resource.get("engine_name")
    if not isinstance(engine, str) or engine.lower() not in DMS_TLS_ENGINES:
        return None
    mode = resource.get("ssl_mode") or "none"
    if str(mode).lower() == "none":
        return Fail(written(resource, "ssl_mode"), f"ssl_mode is {mode!r}: the {engine} connection is not encrypted")
    return None


# medium: cache traffic in clear on the network path
@check(
    id="IG-AWS-204",
    title="ElastiCache Memcached cluster does not encrypt traffic in transit",
    severity="medium",
    framework="terraform",
    types=["aws_elasticache_cluster"],
    cwe="CWE-319",
    description="A Memcached cluster without transit_encryption_enabled (off by default; supported from Memcached "
    "1.6.12) serves cached data in clear to anyone on the network path. Redis and Valkey clusters are judged on "
    "their replication group (IG-AWS-130).",
    remediation="Set transit_encryption_enabled = true and connect with TLS-capable clients.",
    example='resource "aws_elasticache_cluster" "pages" {\n  cluster_id                 = "pages"\n'
    '  engine                     = "memcached"\n  engine_version             = "1.6.22"\n'
    '  node_type                  = "cache.t4g.small"\n  num_cache_nodes            = 2\n'
    "  transit_encryption_enabled = true\n}",
    tags=("encryption",),
    fix=SetValue(
        "transit_encryption_enabled",
        True,
        unsafe="transit encryption needs Memcached 1.6.12 or later and clients that connect with TLS",
    ),
)
def aws_memcached_transit(resource):
    if str(resource.get("engine") or "").lower() != "memcached":
        return None
    if is_true(resource.get("transit_encryption_enabled")):
        return None
    return Fail(written(resource, "transit_encryption_enabled"), "transit encryption is off: cache traffic is in clear")


# low: the endpoint's storage volume is encrypted with an AWS managed key
@check(
    id="IG-AWS-205",
    title="SageMaker endpoint configuration is not encrypted with a customer managed key",
    severity="low",
    framework="terraform",
    types=["aws_sagemaker_endpoint_configuration"],
    cwe="CWE-311",
    description="Without kms_key_arn the storage volumes of the instances that host the model use an AWS managed "
    "key, so access to the model artefacts and data on them cannot be restricted through a key policy.",
    remediation="Set kms_key_arn to a customer managed KMS key.",
    example='resource "aws_sagemaker_endpoint_configuration" "churn" {\n  name        = "churn"\n'
    '  kms_key_arn = aws_kms_key.sagemaker.arn\n\n  production_variants {\n    variant_name           = "primary"\n'
    '    model_name             = "churn-model"\n    initial_instance_count = 1\n'
    '    instance_type          = "ml.m5.large"\n  }\n}\n\nresource "aws_kms_key" "sagemaker" {\n'
    '  description         = "SageMaker endpoints"\n  enable_key_rotation = true\n}',
    tags=("encryption",),
)
def aws_sagemaker_endpoint_no_cmk(resource):
    if configured(resource, "kms_key_arn"):
        return None
    return Fail(written(resource, "kms_key_arn"), "no kms_key_arn: endpoint storage uses an AWS managed key")


# medium: Studio apps reach the internet outside the VPC's egress controls
@check(
    id="IG-AWS-206",
    title="SageMaker domain gives Studio direct internet access",
    severity="medium",
    framework="terraform",
    types=["aws_sagemaker_domain"],
    cwe="CWE-284",
    description='app_network_access_type defaults to "PublicInternetOnly": Studio notebooks reach the internet '
    "through SageMaker's network, bypassing the VPC's proxies, flow logs and endpoint policies, so data and the "
    "execution role's credentials can leave unobserved.",
    remediation='Set app_network_access_type = "VpcOnly" and give the VPC the endpoints (or NAT) the users need.',
    example='resource "aws_sagemaker_domain" "research" {\n  domain_name             = "research"\n'
    '  auth_mode               = "IAM"\n  vpc_id                  = "vpc-0a1b2c3d"\n'
    '  subnet_ids              = ["subnet-0a1b2c3d"]\n  app_network_access_type = "VpcOnly"\n\n'
    "  default_user_settings {\n    execution_role = aws_iam_role.studio.arn\n  }\n}",
    tags=("network",),
    fix=SetValue(
        "app_network_access_type",
        "VpcOnly",
        unsafe="Studio apps lose internet access unless the VPC has a NAT gateway or endpoints for what they call",
    ),
)
def aws_sagemaker_domain_internet(resource):
    mode = resource.get("app_network_access_type") or "PublicInternetOnly"
    if str(mode) != "VpcOnly":
        return Fail(written(resource, "app_network_access_type"), f"app_network_access_type is {mode!r}")
    return None


# low: COPY/UNLOAD traffic bypasses the VPC's controls
@check(
    id="IG-AWS-207",
    title="Redshift cluster does not use enhanced VPC routing",
    severity="low",
    framework="terraform",
    types=["aws_redshift_cluster"],
    cwe="CWE-284",
    description="Without enhanced_vpc_routing (off by default) COPY and UNLOAD traffic between the cluster and S3 "
    "or other services goes over the internet path outside the VPC, where VPC endpoint policies, security "
    "groups and flow logs cannot restrict or record it.",
    remediation="Set enhanced_vpc_routing = true and add an S3 gateway endpoint (or NAT) to the cluster's VPC.",
    example='resource "aws_redshift_cluster" "analytics" {\n  cluster_identifier   = "analytics"\n'
    '  node_type            = "ra3.xlplus"\n  encrypted            = true\n  enhanced_vpc_routing = true\n}',
    tags=("network",),
    fix=SetValue(
        "enhanced_vpc_routing",
        True,
        unsafe="COPY and UNLOAD traffic then goes through the VPC and fails without an S3 endpoint or a NAT route",
    ),
)
def aws_redshift_vpc_routing(resource):
    if is_true(resource.get("enhanced_vpc_routing")):
        return None
    return Fail(written(resource, "enhanced_vpc_routing"), "enhanced VPC routing is off")


PUBLIC_SHARING_SETTINGS = {
    "aws_ebs_snapshot_block_public_access": "EBS snapshots",
    "aws_ec2_image_block_public_access": "AMIs",
}


# medium: the account-level guard rail against publishing disk images is switched off
@check(
    id="IG-AWS-208",
    title="Account allows EBS snapshots or AMIs to be shared publicly",
    severity="medium",
    framework="terraform",
    types=list(PUBLIC_SHARING_SETTINGS),
    cwe="CWE-200",
    description='state = "unblocked" turns off block public access for EBS snapshots or AMIs in the region: one '
    "mistaken permission change then makes a disk image - with its data, keys and credentials - public to every "
    "AWS account.",
    remediation='Set state = "block-all-sharing" for EBS snapshots and "block-new-sharing" for AMIs.',
    example='resource "aws_ebs_snapshot_block_public_access" "this" {\n  state = "block-all-sharing"\n}\n\n'
    'resource "aws_ec2_image_block_public_access" "this" {\n  state = "block-new-sharing"\n}',
    tags=("public",),
    fix=SetValue(
        "state", "block-new-sharing", unsafe="pipelines that publish AMIs or snapshots to every account then fail"
    ),
)
def aws_public_sharing_unblocked(resource):
    if str(resource.get("state", "")).lower() == "unblocked":
        return Fail("state", f"public sharing of {PUBLIC_SHARING_SETTINGS[resource.type]} is unblocked")
    return None


# high: unauthenticated requests are served by the domain (as the anonymous role)
@check(
    id="IG-AWS-213",
    title="OpenSearch domain allows anonymous access",
    severity="high",
    framework="terraform",
    types=SEARCH_DOMAINS,
    cwe="CWE-306",
    description="advanced_security_options { anonymous_auth_enabled = true } makes fine-grained access control "
    "serve requests that carry no credentials, under the anonymous user's role: anyone who reaches the endpoint "
    "can query whatever that role allows.",
    remediation="Set anonymous_auth_enabled = false (it is meant only for migrating a domain to fine-grained access "
    "control) and authenticate every client.",
    example='resource "aws_opensearch_domain" "search" {\n  domain_name    = "search"\n'
    '  engine_version = "OpenSearch_2.13"\n\n'
    "  advanced_security_options {\n    enabled                        = true\n"
    "    anonymous_auth_enabled         = false\n    internal_user_database_enabled = false\n"
    "    master_user_options {\n      master_user_arn = aws_iam_role.search_admin.arn\n    }\n  }\n}",
    tags=("iam", "public"),
    fix=SetValue(
        "advanced_security_options.0.anonymous_auth_enabled",
        False,
        unsafe="clients that call the domain without credentials are refused",
    ),
)
def aws_search_anonymous(resource):
    block = first_block(resource, "advanced_security_options")
    if block is None or is_false(resource.get(f"{block}.enabled")):
        return None  # anonymous_auth_enabled is ignored without fine-grained access control
    if is_true(resource.get(f"{block}.anonymous_auth_enabled")):
        return Fail(f"{block}.anonymous_auth_enabled", "anonymous authentication is enabled")
    return None


GLUE_WORKLOADS = ["aws_glue_job", "aws_glue_crawler", "aws_glue_dev_endpoint"]


# low: output, logs and bookmarks are written without KMS encryption chosen by the account
@check(
    id="IG-AWS-214",
    title="Glue job, crawler or dev endpoint has no security configuration",
    severity="low",
    framework="terraform",
    types=GLUE_WORKLOADS,
    cwe="CWE-311",
    description="Without security_configuration a Glue job, crawler or development endpoint writes its S3 output, "
    "CloudWatch logs and job bookmarks without the KMS encryption a security configuration enforces.",
    remediation="Create an aws_glue_security_configuration with S3, CloudWatch and job bookmark encryption and set "
    "security_configuration to its name.",
    example='resource "aws_glue_job" "orders_etl" {\n  name                   = "orders-etl"\n'
    "  role_arn               = aws_iam_role.glue.arn\n"
    "  security_configuration = aws_glue_security_configuration.etl.name\n\n"
    '  command {\n    script_location = "s3://company-glue-scripts/orders_etl.py"\n  }\n}',
    tags=("encryption",),
)
def aws_glue_no_security_configuration(resource):
    if configured(resource, "security_configuration"):
        return None
    return Fail(
        written(resource, "security_configuration"), "no security_configuration: KMS encryption is not enforced"
    )


# low: the key is AWS managed; access to the time series cannot be restricted through a key policy
@check(
    id="IG-AWS-215",
    title="Timestream database is not encrypted with a customer managed key",
    severity="low",
    framework="terraform",
    types=["aws_timestreamwrite_database"],
    cwe="CWE-311",
    description="Without kms_key_id a Timestream database is encrypted with the Timestream-managed key of the "
    "account, so decrypting its tables cannot be limited or revoked through a key policy.",
    remediation="Set kms_key_id to a customer managed KMS key.",
    example='resource "aws_timestreamwrite_database" "metrics" {\n  database_name = "metrics"\n'
    '  kms_key_id    = aws_kms_key.timestream.arn\n}\n\nresource "aws_kms_key" "timestream" {\n'
    '  description         = "Timestream metrics"\n  enable_key_rotation = true\n}',
    tags=("encryption", "database"),
)
def aws_timestream_no_cmk(resource):
    if configured(resource, "kms_key_id"):
        return None
    return Fail(written(resource, "kms_key_id"), "no kms_key_id: the database uses the Timestream-managed key")


FSX_AUDIT_LEVELS = ("file_access_audit_log_level", "file_share_access_audit_log_level")


# low: logging gap on a file server
@check(
    id="IG-AWS-216",
    title="FSx for Windows File Server does not audit file access",
    severity="low",
    framework="terraform",
    types=["aws_fsx_windows_file_system"],
    cwe="CWE-778",
    description="Without an audit_log_configuration whose file or file-share access level is not DISABLED (the "
    "default of both), there is no record of who opened, changed or deleted files on the share.",
    remediation='Add audit_log_configuration { file_access_audit_log_level = "SUCCESS_AND_FAILURE", '
    'file_share_access_audit_log_level = "SUCCESS_AND_FAILURE", audit_log_destination = ... }.',
    example='resource "aws_fsx_windows_file_system" "shares" {\n  storage_capacity    = 300\n'
    '  subnet_ids          = ["subnet-0a1b2c3d"]\n  throughput_capacity = 32\n'
    '  active_directory_id = "d-1234567890"\n\n  audit_log_configuration {\n'
    '    file_access_audit_log_level       = "SUCCESS_AND_FAILURE"\n'
    '    file_share_access_audit_log_level = "SUCCESS_AND_FAILURE"\n'
    '    audit_log_destination             = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/fsx/shares"\n  }\n}',
    tags=("logging",),
)
def aws_fsx_windows_no_audit(resource):
    block = first_block(resource, "audit_log_configuration")
    if block is None:
        return Fail(None, "no audit_log_configuration: file access is not audited")
    levels = [str(resource.get(f"{block}.{name}") or "DISABLED").upper() for name in FSX_AUDIT_LEVELS]
    if all(level == "DISABLED" for level in levels):
        return Fail(block, "file and file-share access auditing are both DISABLED")
    return None
