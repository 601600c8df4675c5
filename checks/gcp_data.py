"""Google Cloud data services: Cloud SQL (network exposure, CIS database flags, backups), Cloud Storage,
BigQuery, Pub/Sub, Dataproc, Spanner, Bigtable and Memorystore.

Cloud SQL database flags are judged per engine (database_version); a flag that is absent has the engine's
default value in Cloud SQL, and a dynamic database_flags block with an unknown for_each makes an absent flag
unknown rather than missing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from checks._helpers import (
    Verdict,
    block_paths,
    configured,
    first_block,
    is_false,
    is_true,
    written,
)
from checks.terraform_gcp import PUBLIC_MEMBERS
from scanner.fix.spec import SetValue
from scanner.records import Resource, UnknownValue
from scanner.registry import Fail, check

SQL = ["google_sql_database_instance"]
BUCKET = ["google_storage_bucket"]


def _engine(resource: Resource) -> str:
    """MYSQL, POSTGRES or SQLSERVER, from database_version."""
    return str(resource.get("database_version", "")).upper().split("_", 1)[0]


class Flags:
    """The database_flags of a Cloud SQL instance: value and path by name. A flag whose value is unknown is
    unknown alone; an unknown flag name or dynamic block makes every absent flag unknown."""

    def __init__(self, resource: Resource) -> None:
        self.settings = first_block(resource, "settings")
        self.values: dict[str, tuple[str, str]] = {}
        self.unknown_values: dict[str, UnknownValue] = {}
        self.verdict = Verdict()
        for flag in block_paths(resource, f"{self.settings}.database_flags", self.verdict) if self.settings else []:
            with self.verdict.item():
                name = str(resource.get(f"{flag}.name")).lower()
                try:
                    value = str(resource.get(f"{flag}.value")).strip().lower()
                except UnknownValue as exc:
                    self.unknown_values[name] = exc
                    continue
                self.values[name] = (f"{flag}.value", value)

    def value(self, name: str) -> str | None:
        """The flag's value (lower case); None when absent; UnknownValue when it is not known."""
        if name in self.values:
            return self.values[name][1]
        if name in self.unknown_values:
            raise self.unknown_values[name]
        self.verdict.result()  # an unknown flag block (or flag name) may hold it
        return None

    def path(self, name: str) -> str | None:
        """Where to report: the flag's value, else the settings block (or the resource)."""
        return self.values[name][0] if name in self.values else self.settings


def _judge_flags(resource: Resource, engine: str, judge: Callable[[Flags], list[tuple[str | None, str]]]):
    """Run `judge` over the flags of an instance of `engine`; it returns (path, message) per problem."""
    if _engine(resource) != engine:
        return None
    verdict = Verdict()
    for path, message in judge(Flags(resource)):
        verdict.fail(path, message)
    return verdict.result()


def _ip_configuration(resource: Resource) -> str | None:
    settings = first_block(resource, "settings")
    return first_block(resource, f"{settings}.ip_configuration") if settings else None


# low: a public IP without authorized networks is reachable only through the connectors; with them, see 005/051.
@check(
    id="IG-GCP-050",
    title="Cloud SQL instance has a public IP address",
    severity="low",
    framework="terraform",
    types=SQL,
    cwe="CWE-284",
    description="ipv4_enabled defaults to true: the instance gets a public IPv4 address, so a single authorized "
    "network added later (or a leaked password used through the Auth Proxy) exposes it. Private IP keeps the "
    "database inside the VPC.",
    remediation="Set settings.ip_configuration { ipv4_enabled = false, private_network = <VPC id> } and connect "
    "through private services access or Private Service Connect.",
    example='resource "google_sql_database_instance" "main" {\n  name             = "main"\n'
    '  database_version = "POSTGRES_15"\n  region           = "europe-west1"\n\n  settings {\n'
    '    tier = "db-custom-2-7680"\n\n    ip_configuration {\n      ipv4_enabled    = false\n'
    "      private_network = google_compute_network.main.id\n    }\n  }\n}",
    tags=("network", "database"),
)
def sql_public_ip(resource):
    settings = first_block(resource, "settings")
    config = _ip_configuration(resource)
    if config and is_false(resource.get(f"{config}.ipv4_enabled")):
        return None
    at = written(resource, f"{config}.ipv4_enabled", config) if config else settings
    return Fail(at, "the instance has a public IPv4 address")


def _wide_public(cidr: str) -> bool:
    """A public range wider than /16 that is not the whole internet (IG-GCP-005 reports that)."""
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        return False
    return 0 < network.prefixlen < 16 and not network.is_private


# medium: millions of addresses, typically a whole cloud provider or ISP, can reach the database login.
@check(
    id="IG-GCP-051",
    title="Cloud SQL authorized network is a very wide public range",
    severity="medium",
    framework="terraform",
    types=SQL,
    cwe="CWE-284",
    description="An authorized network wider than /16 (such as 0.0.0.0/1 or a /8) admits hundreds of thousands to "
    "billions of addresses to the database's public IP, so the database login is effectively internet-facing.",
    remediation="Authorize only the specific /32 or small ranges of your clients, or use private IP and the "
    "Cloud SQL Auth Proxy.",
    example='resource "google_sql_database_instance" "main" {\n  name             = "main"\n'
    '  database_version = "MYSQL_8_0"\n\n  settings {\n    tier = "db-n1-standard-1"\n\n'
    '    ip_configuration {\n      ipv4_enabled = true\n      ssl_mode     = "ENCRYPTED_ONLY"\n\n'
    '      authorized_networks {\n        name  = "office"\n        value = "203.0.113.10/32"\n      }\n'
    "    }\n  }\n}",
    tags=("network", "database"),
)
def sql_wide_authorized_network(resource):
    config = _ip_configuration(resource)
    if config is None or is_false(resource.get(f"{config}.ipv4_enabled")):
        return None
    verdict = Verdict()
    for network in block_paths(resource, f"{config}.authorized_networks", verdict):
        with verdict.item():
            value = resource.get(f"{network}.value")
            if isinstance(value, str) and _wide_public(value):
                verdict.fail(f"{network}.value", f"authorized network {value} admits a very wide public range")
    return verdict.result()


def _mysql_local_infile(flags: Flags) -> list[tuple[str | None, str]]:
    value = flags.value("local_infile")
    return [(flags.path("local_infile"), "local_infile = on")] if value == "on" else []


# medium: LOAD DATA LOCAL lets a malicious or compromised server read client files, and SQL injection read more.
@check(
    id="IG-GCP-052",
    title="Cloud SQL for MySQL enables local_infile",
    severity="medium",
    framework="terraform",
    types=SQL,
    cwe="CWE-73",
    description="local_infile = on allows LOAD DATA LOCAL INFILE, which lets SQL injection or a rogue server read "
    "files from client hosts.",
    remediation='Set the local_infile database flag to "off" (or remove it).',
    example='resource "google_sql_database_instance" "main" {\n  name             = "main"\n'
    '  database_version = "MYSQL_8_0"\n\n  settings {\n    tier = "db-n1-standard-1"\n\n'
    '    database_flags {\n      name  = "local_infile"\n      value = "off"\n    }\n  }\n}',
    tags=("database",),
    fix=SetValue("value", "off", unsafe="applications that load files with LOAD DATA LOCAL INFILE fail"),
)
def sql_mysql_local_infile(resource):
    return _judge_flags(resource, "MYSQL", _mysql_local_infile)


def _mysql_skip_show_database(flags: Flags) -> list[tuple[str | None, str]]:
    if flags.value("skip_show_database") == "on":
        return []
    return [(flags.path("skip_show_database"), "skip_show_database is not on: any user can list every database")]


# low: listing database names helps an attacker with a low-privilege login pick targets.
@check(
    id="IG-GCP-053",
    title="Cloud SQL for MySQL does not set skip_show_database",
    severity="low",
    framework="terraform",
    types=SQL,
    cwe="CWE-200",
    description="Without skip_show_database = on, any database user can run SHOW DATABASES and learn the names of "
    "every schema on the instance, including ones it has no grant on.",
    remediation='Add database_flags { name = "skip_show_database" value = "on" }.',
    example='resource "google_sql_database_instance" "main" {\n  name             = "main"\n'
    '  database_version = "MYSQL_8_0"\n\n  settings {\n    tier = "db-n1-standard-1"\n\n'
    '    database_flags {\n      name  = "skip_show_database"\n      value = "on"\n    }\n  }\n}',
    tags=("database",),
)
def sql_mysql_skip_show_database(resource):
    return _judge_flags(resource, "MYSQL", _mysql_skip_show_database)


def _postgres_connection_logging(flags: Flags) -> list[tuple[str | None, str]]:
    verdict = Verdict()
    found = []
    for name in ("log_connections", "log_disconnections"):
        with verdict.item():
            if flags.value(name) != "on":
                found.append((flags.path(name), f"{name} is not on"))
    if not found:
        verdict.result()
    return found


# medium: without connection logs, brute force and use of stolen credentials leave no trace.
@check(
    id="IG-GCP-054",
    title="Cloud SQL for PostgreSQL does not log connections and disconnections",
    severity="medium",
    framework="terraform",
    types=SQL,
    cwe="CWE-778",
    description="log_connections and log_disconnections are off by default, so successful and failed logins, their "
    "source addresses and session lengths are not recorded.",
    remediation='Add database_flags for "log_connections" and "log_disconnections" with value "on".',
    example='resource "google_sql_database_instance" "main" {\n  name             = "main"\n'
    '  database_version = "POSTGRES_15"\n\n  settings {\n    tier = "db-custom-2-7680"\n\n'
    '    database_flags {\n      name  = "log_connections"\n      value = "on"\n    }\n\n'
    '    database_flags {\n      name  = "log_disconnections"\n      value = "on"\n    }\n  }\n}',
    tags=("database", "logging"),
)
def sql_postgres_connection_logging(resource):
    return _judge_flags(resource, "POSTGRES", _postgres_connection_logging)


def _postgres_log_statement(flags: Flags) -> list[tuple[str | None, str]]:
    value = flags.value("log_statement")
    if value in ("ddl", "mod", "all"):
        return []
    return [(flags.path("log_statement"), f"log_statement is {value or 'none (the default)'}: DDL is not logged")]


# low: schema changes (a dropped table, a new role) leave no trace in the database logs.
@check(
    id="IG-GCP-055",
    title="Cloud SQL for PostgreSQL does not log DDL statements",
    severity="low",
    framework="terraform",
    types=SQL,
    cwe="CWE-778",
    description='log_statement defaults to "none", so CREATE, ALTER, DROP and GRANT statements are not logged and '
    "schema or privilege changes cannot be traced.",
    remediation='Add database_flags { name = "log_statement" value = "ddl" }.',
    example='resource "google_sql_database_instance" "main" {\n  name             = "main"\n'
    '  database_version = "POSTGRES_15"\n\n  settings {\n    tier = "db-custom-2-7680"\n\n'
    '    database_flags {\n      name  = "log_statement"\n      value = "ddl"\n    }\n  }\n}',
    tags=("database", "logging"),
)
def sql_postgres_log_statement(resource):
    return _judge_flags(resource, "POSTGRES", _postgres_log_statement)


def _postgres_statement_durations(flags: Flags) -> list[tuple[str | None, str]]:
    value = flags.value("log_min_duration_statement")
    if value is None or value == "-1":
        return []
    return [(flags.path("log_min_duration_statement"), f"log_min_duration_statement = {value} logs statement text")]


# low: full statement text in logs leaks query parameters (personal data, tokens) to log readers.
@check(
    id="IG-GCP-056",
    title="Cloud SQL for PostgreSQL logs full statements by duration",
    severity="low",
    framework="terraform",
    types=SQL,
    cwe="CWE-532",
    description="log_min_duration_statement other than -1 writes the full text of slow statements, with their "
    "literal values, to Cloud Logging, exposing personal data or secrets to anyone who can read the logs.",
    remediation='Set log_min_duration_statement to "-1" (the default) and use Query Insights for slow queries.',
    example='resource "google_sql_database_instance" "main" {\n  name             = "main"\n'
    '  database_version = "POSTGRES_15"\n\n  settings {\n    tier = "db-custom-2-7680"\n\n'
    "    insights_config {\n      query_insights_enabled = true\n    }\n  }\n}",
    tags=("database", "logging"),
    fix=SetValue(
        "value",
        "-1",
        unsafe="slow statements are no longer logged: whoever set the threshold for performance analysis loses that "
        "log",
    ),
)
def sql_postgres_min_duration(resource):
    return _judge_flags(resource, "POSTGRES", _postgres_statement_durations)


# Values that log fewer messages than the CIS benchmark's minimum (WARNING / ERROR).
LAX_LEVELS = {
    "log_min_messages": {"error", "log", "fatal", "panic"},
    "log_min_error_statement": {"log", "fatal", "panic"},
    "log_error_verbosity": {"terse"},
}


def _postgres_log_levels(flags: Flags) -> list[tuple[str | None, str]]:
    verdict = Verdict()
    found = []
    for name, lax in LAX_LEVELS.items():
        with verdict.item():
            value = flags.value(name)
            if value in lax:
                found.append((flags.path(name), f"{name} = {value} drops warnings and errors from the logs"))
    if not found:
        verdict.result()
    return found


# low: errors and warnings are how SQL injection attempts and failing attacks show up.
@check(
    id="IG-GCP-057",
    title="Cloud SQL for PostgreSQL logs too few errors",
    severity="low",
    framework="terraform",
    types=SQL,
    cwe="CWE-778",
    description="log_min_messages above WARNING, log_min_error_statement above ERROR or log_error_verbosity TERSE "
    "drop the warnings, failing statements and details that reveal SQL injection attempts and other attacks.",
    remediation="Remove these flags (the defaults WARNING, ERROR and DEFAULT are adequate) or set them to those "
    "values.",
    example='resource "google_sql_database_instance" "main" {\n  name             = "main"\n'
    '  database_version = "POSTGRES_15"\n\n  settings {\n    tier = "db-custom-2-7680"\n\n'
    '    database_flags {\n      name  = "log_min_error_statement"\n      value = "error"\n    }\n  }\n}',
    tags=("database", "logging"),
)
def sql_postgres_log_levels(resource):
    return _judge_flags(resource, "POSTGRES", _postgres_log_levels)


def _postgres_pgaudit(flags: Flags) -> list[tuple[str | None, str]]:
    if flags.value("cloudsql.enable_pgaudit") == "on":
        return []
    return [(flags.path("cloudsql.enable_pgaudit"), "cloudsql.enable_pgaudit is not on")]


# low: session and object audit logging is what compliance regimes (and investigations) require.
@check(
    id="IG-GCP-058",
    title="Cloud SQL for PostgreSQL does not enable pgAudit",
    severity="low",
    framework="terraform",
    types=SQL,
    cwe="CWE-778",
    description="Without the cloudsql.enable_pgaudit flag, the pgAudit extension cannot record who read or changed "
    "which data, so data access by a compromised account cannot be reconstructed.",
    remediation='Add database_flags { name = "cloudsql.enable_pgaudit" value = "on" } and a "pgaudit.log" flag '
    'such as "ddl,role,write".',
    example='resource "google_sql_database_instance" "main" {\n  name             = "main"\n'
    '  database_version = "POSTGRES_15"\n\n  settings {\n    tier = "db-custom-2-7680"\n\n'
    '    database_flags {\n      name  = "cloudsql.enable_pgaudit"\n      value = "on"\n    }\n\n'
    '    database_flags {\n      name  = "pgaudit.log"\n      value = "ddl,role,write"\n    }\n  }\n}',
    tags=("database", "logging"),
)
def sql_postgres_pgaudit(resource):
    return _judge_flags(resource, "POSTGRES", _postgres_pgaudit)


RISKY_SQLSERVER_FLAGS = {
    "cross db ownership chaining": "lets a database owner act in other databases",
    "contained database authentication": "lets database-level users bypass server logins",
    "external scripts enabled": "runs R and Python code inside the server",
}


def _sqlserver_risky(flags: Flags) -> list[tuple[str | None, str]]:
    verdict = Verdict()
    found = []
    for name, effect in RISKY_SQLSERVER_FLAGS.items():
        with verdict.item():
            if flags.value(name) == "on":
                found.append((flags.path(name), f'"{name}" is on: it {effect}'))
    if not found:
        verdict.result()
    return found


# medium: each flag widens what a compromised database login can reach beyond its database.
@check(
    id="IG-GCP-059",
    title="Cloud SQL for SQL Server enables a risky server option",
    severity="medium",
    framework="terraform",
    types=SQL,
    cwe="CWE-269",
    description="cross db ownership chaining, contained database authentication and external scripts enabled widen "
    "what a database login can do: act in other databases, authenticate without a server login, or run code in "
    "the server process.",
    remediation='Remove these database flags or set them to "off".',
    example='resource "google_sql_database_instance" "main" {\n  name             = "main"\n'
    '  database_version = "SQLSERVER_2019_STANDARD"\n  root_password    = var.sql_root_password\n\n'
    '  settings {\n    tier = "db-custom-2-7680"\n\n    database_flags {\n'
    '      name  = "contained database authentication"\n      value = "off"\n    }\n  }\n}',
    tags=("database",),
    fix=SetValue(
        "value",
        "off",
        unsafe="features that rely on the option (cross-database ownership chaining, contained users, external "
        "scripts) stop working",
    ),
)
def sql_sqlserver_risky_flags(resource):
    return _judge_flags(resource, "SQLSERVER", _sqlserver_risky)


def _sqlserver_remote_access(flags: Flags) -> list[tuple[str | None, str]]:
    if flags.value("remote access") == "off":
        return []
    return [(flags.path("remote access"), '"remote access" is not off: stored procedures can run on remote servers')]


# low: remote access is mostly a lateral-movement aid once the server is compromised.
@check(
    id="IG-GCP-060",
    title='Cloud SQL for SQL Server does not turn off "remote access"',
    severity="low",
    framework="terraform",
    types=SQL,
    cwe="CWE-284",
    description='The "remote access" option (on by default) lets stored procedures run on and from remote servers, '
    "which attackers use for lateral movement and to amplify denial of service.",
    remediation='Add database_flags { name = "remote access" value = "off" }.',
    example='resource "google_sql_database_instance" "main" {\n  name             = "main"\n'
    '  database_version = "SQLSERVER_2019_STANDARD"\n  root_password    = var.sql_root_password\n\n'
    '  settings {\n    tier = "db-custom-2-7680"\n\n    database_flags {\n'
    '      name  = "remote access"\n      value = "off"\n    }\n  }\n}',
    tags=("database",),
)
def sql_sqlserver_remote_access(resource):
    return _judge_flags(resource, "SQLSERVER", _sqlserver_remote_access)


# medium: without backups, deletion, corruption or ransomware means permanent data loss.
@check(
    id="IG-GCP-061",
    title="Cloud SQL instance has automated backups disabled",
    severity="medium",
    framework="terraform",
    types=SQL,
    cwe="CWE-693",
    description="backup_configuration.enabled defaults to false: no automated backups are taken, so data deleted or "
    "encrypted by an attacker (or a bad migration) cannot be restored. Read replicas are not judged.",
    remediation="Add settings.backup_configuration { enabled = true } (and point_in_time_recovery_enabled or "
    "binary_log_enabled for point-in-time recovery).",
    example='resource "google_sql_database_instance" "main" {\n  name             = "main"\n'
    '  database_version = "POSTGRES_15"\n\n  settings {\n    tier = "db-custom-2-7680"\n\n'
    "    backup_configuration {\n      enabled                        = true\n"
    "      point_in_time_recovery_enabled = true\n    }\n  }\n}",
    tags=("database",),
    # safe: daily backups start with the default retention; nothing that works stops working
    fix=SetValue("settings.0.backup_configuration.0.enabled", True),
)
def sql_backups(resource):
    if configured(resource, "master_instance_name"):
        return None
    settings = first_block(resource, "settings")
    if settings is None:
        return None
    block = first_block(resource, f"{settings}.backup_configuration")
    if block is None:
        return Fail(settings, "no backup_configuration: automated backups are off")
    if not is_true(resource.get(f"{block}.enabled")):
        return Fail(written(resource, f"{block}.enabled", block), "backup_configuration.enabled is not true")
    return None


def _cmek(resource: Resource, path: str, what: str, block: str | None = None) -> Fail | None:
    """Fail when no key is configured at `path` (reported at `path` if written, else `block`, else the resource)."""
    if configured(resource, path):
        return None
    return Fail(written(resource, path, block), f"{what} is encrypted with Google-managed keys")


# low: data is always encrypted at rest; a customer key adds revocation and separation of duties.
@check(
    id="IG-GCP-062",
    title="Cloud SQL instance is not encrypted with a customer-managed key",
    severity="low",
    framework="terraform",
    types=SQL,
    cwe="CWE-311",
    description="Without encryption_key_name the instance, its replicas and backups are encrypted with "
    "Google-managed keys that the organisation can neither revoke nor audit separately.",
    remediation="Set encryption_key_name = google_kms_crypto_key.sql.id (and grant the Cloud SQL service agent "
    "roles/cloudkms.cryptoKeyEncrypterDecrypter on the key).",
    example='resource "google_sql_database_instance" "main" {\n  name                = "main"\n'
    '  database_version    = "POSTGRES_15"\n  region              = "europe-west1"\n'
    "  encryption_key_name = google_kms_crypto_key.sql.id\n\n  settings {\n"
    '    tier = "db-custom-2-7680"\n  }\n}',
    tags=("database", "encryption"),
)
def sql_cmek(resource):
    return _cmek(resource, "encryption_key_name", "the instance")


# low: the org policy may still enforce prevention; this makes the bucket safe on its own.
@check(
    id="IG-GCP-063",
    title="Cloud Storage bucket does not enforce public access prevention",
    severity="low",
    framework="terraform",
    types=BUCKET,
    cwe="CWE-284",
    description='public_access_prevention defaults to "inherited": unless an organisation policy enforces it, a '
    'later IAM binding or ACL for allUsers makes the bucket public. "enforced" rejects such grants.',
    remediation='Set public_access_prevention = "enforced" on buckets that must never be public.',
    example='resource "google_storage_bucket" "data" {\n  name                        = "acme-data"\n'
    '  location                    = "EU"\n  uniform_bucket_level_access = true\n'
    '  public_access_prevention    = "enforced"\n}',
    tags=("storage", "public"),
    fix=SetValue(
        "public_access_prevention",
        "enforced",
        unsafe="objects shared with allUsers or allAuthenticatedUsers stop being readable (public sites and "
        "downloads break)",
    ),
)
def bucket_public_access_prevention(resource):
    value = resource.get("public_access_prevention", "inherited")
    if str(value).lower() == "enforced":
        return None
    return Fail(written(resource, "public_access_prevention"), f"public_access_prevention is {value}")


# low: versioning is the recovery path from accidental or malicious overwrites and deletes.
@check(
    id="IG-GCP-064",
    title="Cloud Storage bucket does not keep object versions",
    severity="low",
    framework="terraform",
    types=BUCKET,
    cwe="CWE-693",
    description="Without versioning (off by default), an overwritten or deleted object is gone: a compromised "
    "writer or ransomware can destroy data with no way to recover it.",
    remediation="Add versioning { enabled = true } with a lifecycle rule that limits noncurrent versions.",
    example='resource "google_storage_bucket" "data" {\n  name     = "acme-data"\n  location = "EU"\n\n'
    "  versioning {\n    enabled = true\n  }\n}",
    tags=("storage",),
    fix=SetValue(
        "versioning.0.enabled",
        True,
        unsafe="noncurrent versions are kept and billed until a lifecycle rule deletes them",
    ),
)
def bucket_versioning(resource):
    block = first_block(resource, "versioning")
    if block is None:
        return Fail(None, "no versioning block: versioning is off")
    if not is_true(resource.get(f"{block}.enabled")):
        return Fail(written(resource, f"{block}.enabled", block), "versioning.enabled is not true")
    return None


SINK_TYPES = (
    "google_logging_project_sink",
    "google_logging_folder_sink",
    "google_logging_organization_sink",
    "google_logging_billing_account_sink",
)


def _log_sinks(graph, bucket: Resource) -> list[Resource]:
    """Log sinks whose destination is this bucket: linked by reference, or naming it literally
    ("storage.googleapis.com/<bucket name>"). Unknown when a sink's destination could be it."""
    sinks = {s.key: s for t in SINK_TYPES for s in graph.linked_from(bucket, t, "destination")}
    for sink in [s for t in SINK_TYPES for s in graph.same_scope(bucket, t)]:
        try:
            if sink.get("destination") == f"storage.googleapis.com/{bucket.get('name')}":
                sinks[sink.key] = sink
        except UnknownValue:
            continue  # linked_from has answered unknown already when it matters (no other sink links here)
    return [sinks[k] for k in sorted(sinks)]


# medium: an attacker with storage rights can delete the audit trail of what they did.
@check(
    id="IG-GCP-065",
    title="Log sink bucket has no locked retention policy",
    severity="medium",
    framework="terraform",
    types=BUCKET,
    cwe="CWE-779",
    description="A bucket that a log sink exports audit logs to should keep them immutable: without a retention "
    "policy with is_locked = true, anyone with storage admin rights (including an intruder) can delete the logs "
    "that record their actions.",
    remediation="Add retention_policy { retention_period = 31536000, is_locked = true } to the sink's bucket.",
    example='resource "google_storage_bucket" "audit_logs" {\n  name     = "acme-audit-logs"\n  location = "EU"\n\n'
    "  retention_policy {\n    retention_period = 31536000\n    is_locked        = true\n  }\n}\n\n"
    'resource "google_logging_project_sink" "audit" {\n  name        = "audit-to-gcs"\n'
    '  destination = "storage.googleapis.com/${google_storage_bucket.audit_logs.name}"\n'
    '  filter      = "logName:\\"cloudaudit.googleapis.com\\""\n}',
    graph=True,
    tags=("storage", "logging"),
)
def bucket_log_sink_retention(resource, graph):
    sinks = tuple(_log_sinks(graph, resource))
    if not sinks:
        return None
    block = first_block(resource, "retention_policy")
    names = ", ".join(s.address for s in sinks)
    if block is None:
        return Fail(None, f"receives logs from {names} but has no retention policy", related=sinks)
    if not is_true(resource.get(f"{block}.is_locked")):
        at = written(resource, f"{block}.is_locked", block)
        return Fail(at, f"receives logs from {names} but its retention policy is not locked", related=sinks)
    return None


# low: data is always encrypted at rest; a customer key adds revocation and separation of duties.
@check(
    id="IG-GCP-066",
    title="Cloud Storage bucket is not encrypted with a customer-managed key",
    severity="low",
    framework="terraform",
    types=BUCKET,
    cwe="CWE-311",
    description="Without encryption.default_kms_key_name, objects are encrypted with Google-managed keys that the "
    "organisation can neither revoke nor audit separately from the bucket.",
    remediation="Add encryption { default_kms_key_name = google_kms_crypto_key.storage.id } (and grant the Cloud "
    "Storage service agent roles/cloudkms.cryptoKeyEncrypterDecrypter on the key).",
    example='resource "google_storage_bucket" "data" {\n  name     = "acme-data"\n  location = "EU"\n\n'
    "  encryption {\n    default_kms_key_name = google_kms_crypto_key.storage.id\n  }\n}",
    tags=("storage", "encryption"),
)
def bucket_cmek(resource):
    block = first_block(resource, "encryption")
    if block is None:
        return Fail(None, "no encryption block: objects use Google-managed keys")
    return _cmek(resource, f"{block}.default_kms_key_name", "the bucket", block)


def _log_bucket(graph, bucket: Resource) -> bool:
    """Another bucket writes its access logs into this one."""
    return bool(graph.linked_from(bucket, "google_storage_bucket", "logging"))


# low: usage logs help investigations; Data Access audit logs are the stronger alternative.
@check(
    id="IG-GCP-067",
    title="Cloud Storage bucket does not log access",
    severity="low",
    framework="terraform",
    types=BUCKET,
    cwe="CWE-778",
    description="Without a logging block, the bucket writes no usage logs, so reads and writes of its objects (for "
    "example by a leaked key) cannot be traced unless Data Access audit logs are enabled for Cloud Storage. "
    "Buckets that receive other buckets' logs are not judged.",
    remediation="Add logging { log_bucket = google_storage_bucket.access_logs.name } (or enable DATA_READ and "
    "DATA_WRITE audit logs for storage.googleapis.com).",
    example='resource "google_storage_bucket" "data" {\n  name     = "acme-data"\n  location = "EU"\n\n'
    "  logging {\n    log_bucket = google_storage_bucket.access_logs.name\n  }\n}",
    graph=True,
    tags=("storage", "logging"),
)
def bucket_access_logging(resource, graph):
    if first_block(resource, "logging") is not None or _log_bucket(graph, resource) or _log_sinks(graph, resource):
        return None
    return Fail(None, "no logging block: bucket usage is not logged")


def _public_access_entry(resource: Resource, prefix: str) -> tuple[str, str] | None:
    """(attribute path, member) when an access entry grants the dataset to everyone."""
    for name in ("special_group", "iam_member"):
        path = f"{prefix}{name}"
        value = resource.get(path)
        if isinstance(value, str) and value.split(":")[-1] in PUBLIC_MEMBERS:
            return path, value
    return None


# critical: a public dataset exposes every table in it to anyone on the internet (or any Google account).
@check(
    id="IG-GCP-068",
    title="BigQuery dataset is accessible to allUsers or allAuthenticatedUsers",
    severity="critical",
    framework="terraform",
    types=["google_bigquery_dataset", "google_bigquery_dataset_access"],
    cwe="CWE-732",
    description='An access entry with special_group = "allAuthenticatedUsers" or iam_member = "allUsers" lets '
    "anyone with a Google account (or anyone at all) read or change every table in the dataset.",
    remediation="Grant dataset roles to specific groups or service accounts; publish public data through "
    "Analytics Hub or authorized views instead.",
    example='resource "google_bigquery_dataset" "analytics" {\n  dataset_id = "analytics"\n  location   = "EU"\n\n'
    '  access {\n    role          = "OWNER"\n    special_group = "projectOwners"\n  }\n\n  access {\n'
    '    role           = "READER"\n    group_by_email = "analysts@example.com"\n  }\n}',
    tags=("public", "database"),
)
def bigquery_dataset_public(resource):
    verdict = Verdict()
    prefixes = [""] if resource.type == "google_bigquery_dataset_access" else None
    for prefix in prefixes if prefixes is not None else [f"{p}." for p in block_paths(resource, "access", verdict)]:
        with verdict.item():
            found = _public_access_entry(resource, prefix)
            if found:
                verdict.fail(found[0], f"dataset access granted to {found[1]}")
    return verdict.result()


# low: data is always encrypted at rest; a customer key adds revocation and separation of duties.
@check(
    id="IG-GCP-069",
    title="BigQuery dataset has no default customer-managed key",
    severity="low",
    framework="terraform",
    types=["google_bigquery_dataset"],
    cwe="CWE-311",
    description="Without default_encryption_configuration, new tables in the dataset are encrypted with "
    "Google-managed keys that the organisation can neither revoke nor audit separately.",
    remediation="Add default_encryption_configuration { kms_key_name = google_kms_crypto_key.bigquery.id }.",
    example='resource "google_bigquery_dataset" "analytics" {\n  dataset_id = "analytics"\n  location   = "EU"\n\n'
    "  default_encryption_configuration {\n    kms_key_name = google_kms_crypto_key.bigquery.id\n  }\n}",
    tags=("database", "encryption"),
)
def bigquery_dataset_cmek(resource):
    block = first_block(resource, "default_encryption_configuration")
    if block is None:
        return Fail(None, "no default_encryption_configuration: tables use Google-managed keys")
    return _cmek(resource, f"{block}.kms_key_name", "the dataset", block)


# low: messages are always encrypted at rest; a customer key adds revocation and separation of duties.
@check(
    id="IG-GCP-070",
    title="Pub/Sub topic is not encrypted with a customer-managed key",
    severity="low",
    framework="terraform",
    types=["google_pubsub_topic"],
    cwe="CWE-311",
    description="Without kms_key_name, messages retained in the topic are encrypted with Google-managed keys that "
    "the organisation can neither revoke nor audit separately.",
    remediation="Set kms_key_name = google_kms_crypto_key.pubsub.id (and grant the Pub/Sub service agent "
    "roles/cloudkms.cryptoKeyEncrypterDecrypter on the key).",
    example='resource "google_pubsub_topic" "orders" {\n  name         = "orders"\n'
    "  kms_key_name = google_kms_crypto_key.pubsub.id\n}",
    tags=("encryption",),
)
def pubsub_topic_cmek(resource):
    return _cmek(resource, "kms_key_name", "the topic")


def _gce_cluster_config(resource: Resource) -> str | None:
    config = first_block(resource, "cluster_config")
    return first_block(resource, f"{config}.gce_cluster_config") if config else None


# medium: every Dataproc node, with Hadoop/Spark web UIs and RPC ports, gets an external address.
@check(
    id="IG-GCP-071",
    title="Dataproc cluster nodes have external IP addresses",
    severity="medium",
    framework="terraform",
    types=["google_dataproc_cluster"],
    cwe="CWE-284",
    description="internal_ip_only = false gives every master and worker an external IP address; Hadoop, YARN and "
    "Spark services have been mass-exploited when a firewall rule let the internet reach them.",
    remediation="Set cluster_config.gce_cluster_config.internal_ip_only = true (with Private Google Access on "
    "the subnet).",
    example='resource "google_dataproc_cluster" "etl" {\n  name   = "etl"\n  region = "europe-west1"\n\n'
    "  cluster_config {\n    gce_cluster_config {\n      subnetwork       = google_compute_subnetwork.data.id\n"
    "      internal_ip_only = true\n    }\n  }\n}",
    tags=("network", "public"),
    fix=SetValue(
        "cluster_config.0.gce_cluster_config.0.internal_ip_only",
        True,
        unsafe="internal_ip_only forces a new cluster, and nodes then need Private Google Access or Cloud NAT to "
        "reach Google APIs and the internet",
    ),
)
def dataproc_external_ips(resource):
    config = _gce_cluster_config(resource)
    if config and is_false(resource.get(f"{config}.internal_ip_only")):
        return Fail(f"{config}.internal_ip_only", "internal_ip_only = false: nodes get external IP addresses")
    return None


# low: data is always encrypted at rest; a customer key adds revocation and separation of duties.
@check(
    id="IG-GCP-072",
    title="Dataproc cluster disks are not encrypted with a customer-managed key",
    severity="low",
    framework="terraform",
    types=["google_dataproc_cluster"],
    cwe="CWE-311",
    description="Without cluster_config.encryption_config.kms_key_name, the cluster's persistent disks (HDFS data, "
    "shuffle files) are encrypted with Google-managed keys.",
    remediation="Add cluster_config { encryption_config { kms_key_name = google_kms_crypto_key.dataproc.id } }.",
    example='resource "google_dataproc_cluster" "etl" {\n  name   = "etl"\n  region = "europe-west1"\n\n'
    "  cluster_config {\n    encryption_config {\n      kms_key_name = google_kms_crypto_key.dataproc.id\n"
    "    }\n  }\n}",
    tags=("encryption",),
)
def dataproc_cmek(resource):
    config = first_block(resource, "cluster_config")
    encryption = first_block(resource, f"{config}.encryption_config") if config else None
    if encryption is None:
        return Fail(config, "no encryption_config: disks use Google-managed keys")
    return _cmek(resource, f"{encryption}.kms_key_name", "the cluster", encryption)


# low: data is always encrypted at rest; a customer key adds revocation and separation of duties.
@check(
    id="IG-GCP-073",
    title="Spanner database is not encrypted with a customer-managed key",
    severity="low",
    framework="terraform",
    types=["google_spanner_database"],
    cwe="CWE-311",
    description="Without encryption_config, the database and its backups are encrypted with Google-managed keys "
    "that the organisation can neither revoke nor audit separately.",
    remediation="Add encryption_config { kms_key_name = google_kms_crypto_key.spanner.id }.",
    example='resource "google_spanner_database" "orders" {\n  instance = google_spanner_instance.main.name\n'
    '  name     = "orders"\n\n  encryption_config {\n    kms_key_name = google_kms_crypto_key.spanner.id\n  }\n}',
    tags=("database", "encryption"),
)
def spanner_cmek(resource):
    block = first_block(resource, "encryption_config")
    if block is None:
        return Fail(None, "no encryption_config: the database uses Google-managed keys")
    if configured(resource, f"{block}.kms_key_name") or configured(resource, f"{block}.kms_key_names"):
        return None
    return Fail(block, "encryption_config names no KMS key")


# low: data is always encrypted at rest; a customer key adds revocation and separation of duties.
@check(
    id="IG-GCP-074",
    title="Bigtable cluster is not encrypted with a customer-managed key",
    severity="low",
    framework="terraform",
    types=["google_bigtable_instance"],
    cwe="CWE-311",
    description="A cluster without kms_key_name stores its tables with Google-managed keys that the organisation "
    "can neither revoke nor audit separately.",
    remediation="Set kms_key_name = google_kms_crypto_key.bigtable.id in every cluster block.",
    example='resource "google_bigtable_instance" "events" {\n  name = "events"\n\n  cluster {\n'
    '    cluster_id   = "events-c1"\n    zone         = "europe-west1-b"\n    num_nodes    = 1\n'
    "    kms_key_name = google_kms_crypto_key.bigtable.id\n  }\n}",
    tags=("database", "encryption"),
)
def bigtable_cmek(resource):
    verdict = Verdict()
    for cluster in block_paths(resource, "cluster", verdict):
        with verdict.item():
            if not configured(resource, f"{cluster}.kms_key_name"):
                verdict.fail(cluster, "cluster uses Google-managed keys")
    return verdict.result()


# medium: any client in the VPC can read and overwrite the cache, often holding sessions or tokens.
@check(
    id="IG-GCP-075",
    title="Memorystore for Redis instance does not require AUTH",
    severity="medium",
    framework="terraform",
    types=["google_redis_instance"],
    cwe="CWE-306",
    description="auth_enabled defaults to false: any host that can reach the instance's private IP can read and "
    "change every key, including cached sessions and tokens, and a compromised pod becomes a data breach.",
    remediation="Set auth_enabled = true and give clients the AUTH string from Secret Manager.",
    example='resource "google_redis_instance" "sessions" {\n  name                    = "sessions"\n'
    "  memory_size_gb          = 1\n  auth_enabled            = true\n"
    '  transit_encryption_mode = "SERVER_AUTHENTICATION"\n}',
    tags=("database",),
    fix=SetValue("auth_enabled", True, unsafe="clients that do not send the AUTH string are refused"),
)
def redis_auth(resource):
    if is_true(resource.get("auth_enabled")):
        return None
    return Fail(written(resource, "auth_enabled"), "auth_enabled is not true: clients connect without AUTH")


# medium: cache contents (sessions, tokens) cross the network in clear text.
@check(
    id="IG-GCP-076",
    title="Memorystore for Redis instance does not encrypt traffic in transit",
    severity="medium",
    framework="terraform",
    types=["google_redis_instance"],
    cwe="CWE-319",
    description='Without transit_encryption_mode = "SERVER_AUTHENTICATION", clients talk to Redis in plain text, '
    "so the AUTH string and cached data can be read by anyone who can observe VPC traffic.",
    remediation='Set transit_encryption_mode = "SERVER_AUTHENTICATION" and configure clients with the server CA.',
    example='resource "google_redis_instance" "sessions" {\n  name                    = "sessions"\n'
    "  memory_size_gb          = 1\n  auth_enabled            = true\n"
    '  transit_encryption_mode = "SERVER_AUTHENTICATION"\n}',
    tags=("encryption",),
    fix=SetValue(
        "transit_encryption_mode",
        "SERVER_AUTHENTICATION",
        unsafe="transit_encryption_mode forces a new instance: the cache is replaced and emptied, and clients must "
        "then connect with TLS",
    ),
)
def redis_tls(resource):
    mode = resource.get("transit_encryption_mode", "DISABLED")
    if str(mode).upper() == "SERVER_AUTHENTICATION":
        return None
    return Fail(written(resource, "transit_encryption_mode"), f"transit_encryption_mode is {mode}")
