"""AWS logging and detection: CloudTrail, AWS Config, GuardDuty, Security Hub, CloudWatch log groups,
Route 53 query logging and DNSSEC, and encryption of SNS topics and SQS queues."""

from __future__ import annotations

from functools import partial

from checks._helpers import (
    Verdict,
    as_int,
    block_paths,
    configured,
    decide_any,
    dynamic_blocks,
    first_block,
    instances_unknown,
    is_false,
    is_true,
    written,
)
from scanner.fix.spec import SetValue
from scanner.records import Resource, UnknownValue
from scanner.registry import Fail, check

# CloudWatch Logs keeps a log group forever when retention_in_days is 0 or unset.
MIN_RETENTION_DAYS = 365


def _unset(resource: Resource, path: str) -> bool:
    return not configured(resource, path)


# low: CloudTrail files are already SSE-S3 encrypted; a customer key adds access control and audit of reads
@check(
    id="IG-AWS-063",
    title="CloudTrail logs are not encrypted with a customer managed KMS key",
    severity="low",
    framework="terraform",
    types=["aws_cloudtrail"],
    cwe="CWE-311",
    description="Without kms_key_id the trail's log files get the bucket's default encryption, so anyone who can "
    "read the bucket can read every API call of the account; SSE-KMS adds a key policy that decides who may "
    "decrypt, and a record of each decryption.",
    remediation="Set kms_key_id to a customer managed key whose policy lets CloudTrail encrypt and only the security "
    "team decrypt.",
    example='resource "aws_cloudtrail" "main" {\n  name                       = "main"\n'
    "  s3_bucket_name             = aws_s3_bucket.trail.id\n  kms_key_id                 = aws_kms_key.trail.arn\n"
    "  is_multi_region_trail      = true\n  enable_log_file_validation = true\n}",
    tags=("logging", "encryption"),
    compliance={"cis-aws-3.0": ["3.5"]},
)
def aws_cloudtrail_no_kms(resource):
    if _unset(resource, "kms_key_id"):
        return Fail(written(resource, "kms_key_id"), "trail log files are not encrypted with a KMS key")
    return None


# low: without CloudWatch Logs delivery nothing alarms on the events in real time
@check(
    id="IG-AWS-064",
    title="CloudTrail trail does not deliver to CloudWatch Logs",
    severity="low",
    framework="terraform",
    types=["aws_cloudtrail"],
    cwe="CWE-778",
    description="Without cloud_watch_logs_group_arn the trail only lands in S3, so no metric filter or alarm can "
    "react to root logins, IAM policy changes or disabled trails while they happen.",
    remediation='Set cloud_watch_logs_group_arn (with the ":*" suffix) and cloud_watch_logs_role_arn, and add metric '
    "filters and alarms for the events that matter.",
    example='resource "aws_cloudtrail" "main" {\n  name                       = "main"\n'
    "  s3_bucket_name             = aws_s3_bucket.trail.id\n"
    '  cloud_watch_logs_group_arn = "${aws_cloudwatch_log_group.trail.arn}:*"\n'
    "  cloud_watch_logs_role_arn  = aws_iam_role.trail_to_logs.arn\n}",
    tags=("logging",),
)
def aws_cloudtrail_no_cloudwatch(resource):
    if _unset(resource, "cloud_watch_logs_group_arn"):
        return Fail(written(resource, "cloud_watch_logs_group_arn"), "trail does not deliver events to CloudWatch Logs")
    return None


# low: IAM, STS and CloudFront calls are global events; a trail without them misses identity changes
@check(
    id="IG-AWS-065",
    title="CloudTrail trail excludes global service events",
    severity="low",
    framework="terraform",
    types=["aws_cloudtrail"],
    cwe="CWE-778",
    description="include_global_service_events = false drops events of global services (IAM, STS, CloudFront) "
    "from the trail: user creation, policy changes and role assumptions leave no record in it.",
    remediation="Remove include_global_service_events or set it to true (the default).",
    example='resource "aws_cloudtrail" "main" {\n  name                          = "main"\n'
    "  s3_bucket_name                = aws_s3_bucket.trail.id\n  include_global_service_events = true\n}",
    tags=("logging",),
    fix=SetValue("include_global_service_events", True),
)
def aws_cloudtrail_no_global_events(resource):
    if is_false(resource.get("include_global_service_events")):
        return Fail("include_global_service_events", "global service events (IAM, STS) are not recorded")
    return None


# low: only reads or only writes of management events: half of the audit record
@check(
    id="IG-AWS-066",
    title="CloudTrail records only read or only write management events",
    severity="low",
    framework="terraform",
    types=["aws_cloudtrail"],
    cwe="CWE-778",
    description='An event_selector with read_write_type "ReadOnly" misses every change to the account; "WriteOnly" '
    "misses reconnaissance and data reads (GetSecretValue, Decrypt) that precede an attack.",
    remediation='Set read_write_type = "All" (the default) on the event selectors that record management events.',
    example='resource "aws_cloudtrail" "main" {\n  name           = "main"\n'
    "  s3_bucket_name = aws_s3_bucket.trail.id\n\n"
    '  event_selector {\n    read_write_type           = "All"\n    include_management_events = true\n  }\n}',
    tags=("logging",),
    fix=SetValue(
        "read_write_type",
        "All",
        unsafe="the selector's data events of the other kind are recorded too, and CloudTrail bills data events per "
        "event",
    ),
)
def aws_cloudtrail_partial_management_events(resource):
    verdict = Verdict()
    for path in block_paths(resource, "event_selector", verdict):
        with verdict.item():
            if is_false(resource.get(f"{path}.include_management_events")):
                continue
            kind = resource.get(f"{path}.read_write_type")
            if kind in ("ReadOnly", "WriteOnly"):
                verdict.fail(f"{path}.read_write_type", f"management events are recorded {kind} only")
    return verdict.result()


# low: resources outside the recorded types change without a configuration history
@check(
    id="IG-AWS-067",
    title="AWS Config recorder does not record all resource types",
    severity="low",
    framework="terraform",
    types=["aws_config_configuration_recorder"],
    cwe="CWE-778",
    description="recording_group { all_supported = false } records only the listed types: everything else (new "
    "services included) changes without a configuration history, and Config rules cannot evaluate it.",
    remediation="Set all_supported = true (the default) and include_global_resource_types = true in one region.",
    example='resource "aws_config_configuration_recorder" "main" {\n  name     = "main"\n'
    "  role_arn = aws_iam_role.config.arn\n\n  recording_group {\n    all_supported                 = true\n"
    "    include_global_resource_types = true\n  }\n}",
    tags=("logging",),
    compliance={"cis-aws-3.0": ["3.3"]},
)
def aws_config_partial_recording(resource):
    block = first_block(resource, "recording_group")
    if block is not None and is_false(resource.get(f"{block}.all_supported")):
        return Fail(f"{block}.all_supported", "only selected resource types are recorded")
    return None


# medium: the recorder exists but records nothing
@check(
    id="IG-AWS-068",
    title="AWS Config recorder is turned off",
    severity="medium",
    framework="terraform",
    types=["aws_config_configuration_recorder_status"],
    cwe="CWE-778",
    description="is_enabled = false keeps the recorder defined but stopped: no configuration changes are recorded "
    "and no Config rule is evaluated.",
    remediation="Set is_enabled = true.",
    example='resource "aws_config_configuration_recorder_status" "main" {\n'
    "  name       = aws_config_configuration_recorder.main.name\n  is_enabled = true\n"
    "  depends_on = [aws_config_delivery_channel.main]\n}",
    tags=("logging",),
    compliance={"cis-aws-3.0": ["3.3"]},
    fix=SetValue(
        "is_enabled", True, unsafe="starts the recorder, and AWS Config bills every configuration item it records"
    ),
)
def aws_config_recorder_off(resource):
    if not is_true(resource.get("is_enabled")):
        return Fail(written(resource, "is_enabled"), "the configuration recorder is stopped")
    return None


# medium: threat detection switched off
@check(
    id="IG-AWS-069",
    title="GuardDuty detector is disabled",
    severity="medium",
    framework="terraform",
    types=["aws_guardduty_detector"],
    cwe="CWE-778",
    description="enable = false suspends the detector: credential exfiltration, crypto-mining, reconnaissance and "
    "malicious IP traffic in the account and region raise no finding.",
    remediation="Set enable = true (the default).",
    example='resource "aws_guardduty_detector" "main" {\n  enable = true\n}',
    tags=("logging", "detection"),
    fix=SetValue(
        "enable",
        True,
        unsafe="resumes a detector someone suspended, and GuardDuty bills by the volume of logs and events it analyses",
    ),
)
def aws_guardduty_disabled(resource):
    if is_false(resource.get("enable")):
        return Fail("enable", "the GuardDuty detector is suspended")
    return None


# low: Security Hub enabled with nothing to check against
@check(
    id="IG-AWS-070",
    title="Security Hub is enabled without any security standard",
    severity="low",
    framework="terraform",
    types=["aws_securityhub_account"],
    cwe="CWE-1173",
    description="enable_default_standards = false with no aws_securityhub_standards_subscription in the same "
    "configuration leaves Security Hub collecting findings but running none of its own controls (AWS Foundational "
    "Security Best Practices, CIS).",
    remediation="Keep enable_default_standards = true, or subscribe to standards with "
    "aws_securityhub_standards_subscription.",
    example='resource "aws_securityhub_account" "main" {\n  enable_default_standards = true\n}',
    graph=True,
    tags=("logging", "detection"),
)
def aws_securityhub_no_standards(resource, graph):
    if not is_false(resource.get("enable_default_standards")):
        return None
    subscriptions = graph.resources("terraform", "aws_securityhub_standards_subscription")
    subscriptions = [s for s in subscriptions if s.scope == resource.scope]
    if any(not instances_unknown(s) for s in subscriptions):
        return None
    if subscriptions:
        reason = f"{subscriptions[0].address} may have no instance (count/for_each unknown)"
        raise UnknownValue("enable_default_standards", reason)
    return Fail("enable_default_standards", "no default standards and no standards subscription")


# low: short retention loses the record an investigation needs months later
@check(
    id="IG-AWS-071",
    title="CloudWatch log group keeps logs for less than a year",
    severity="low",
    framework="terraform",
    types=["aws_cloudwatch_log_group"],
    cwe="CWE-779",
    description=f"retention_in_days below {MIN_RETENTION_DAYS} deletes logs before most breaches are discovered "
    "(the median is months) and before audit periods (PCI DSS asks for a year) end. Unset or 0 keeps logs forever "
    "and is not reported.",
    remediation=f"Set retention_in_days = {MIN_RETENTION_DAYS} or more, or export the logs to S3 with a lifecycle "
    "that keeps them.",
    example='resource "aws_cloudwatch_log_group" "api" {\n  name              = "/ecs/api"\n'
    "  retention_in_days = 365\n  kms_key_id        = aws_kms_key.logs.arn\n}",
    tags=("logging",),
    fix=SetValue(
        "retention_in_days",
        365,
        unsafe="keeps the logs, and pays for their storage, for a year; logs with personal data may be kept shorter "
        "on purpose",
    ),
)
def aws_log_group_short_retention(resource):
    days = as_int(resource.get("retention_in_days"))
    if days is not None and 0 < days < MIN_RETENTION_DAYS:
        return Fail("retention_in_days", f"logs are deleted after {days} day{'s' if days > 1 else ''}")
    return None


# low: log data is always encrypted by CloudWatch; a customer key adds control over who reads it
@check(
    id="IG-AWS-072",
    title="CloudWatch log group is not encrypted with a customer managed KMS key",
    severity="low",
    framework="terraform",
    types=["aws_cloudwatch_log_group"],
    cwe="CWE-311",
    description="Without kms_key_id log events are encrypted with a key CloudWatch owns, so any principal with "
    "logs:GetLogEvents reads them; logs often carry tokens, personal data and internal addresses, and a "
    "customer managed key lets its policy decide who may decrypt them.",
    remediation="Set kms_key_id to a customer managed key whose policy allows the logs.<region>.amazonaws.com "
    "service principal.",
    example='resource "aws_cloudwatch_log_group" "api" {\n  name              = "/ecs/api"\n'
    "  retention_in_days = 365\n  kms_key_id        = aws_kms_key.logs.arn\n}",
    tags=("logging", "encryption"),
)
def aws_log_group_no_kms(resource):
    if _unset(resource, "kms_key_id"):
        return Fail(written(resource, "kms_key_id"), "log group is not encrypted with a customer managed key")
    return None


def _public_zone(zone: Resource) -> bool:
    """A hosted zone without a vpc block is public; unknown while a dynamic vpc block is unexpanded."""
    if block_paths(zone, "vpc"):
        return False
    if "vpc" in dynamic_blocks(zone):
        raise UnknownValue("vpc", "dynamic vpc block")
    return True


# low: no record of which names were queried (command-and-control, exfiltration over DNS)
@check(
    id="IG-AWS-073",
    title="Route 53 public hosted zone has no query logging",
    severity="low",
    framework="terraform",
    types=["aws_route53_zone"],
    cwe="CWE-778",
    description="Without an aws_route53_query_log for a public zone there is no record of the names resolved in it: "
    "subdomain enumeration and takeover attempts go unseen. Private zones (with a vpc block) are logged by Resolver "
    "query logging instead and are not judged.",
    remediation="Add an aws_route53_query_log with zone_id = aws_route53_zone.<name>.zone_id and a CloudWatch log "
    "group in us-east-1.",
    example='resource "aws_route53_query_log" "example_com" {\n'
    "  zone_id                  = aws_route53_zone.example_com.zone_id\n"
    "  cloudwatch_log_group_arn = aws_cloudwatch_log_group.dns_queries.arn\n}",
    graph=True,
    tags=("logging", "dns"),
)
def aws_route53_no_query_log(resource, graph):
    if not _public_zone(resource):
        return None
    if graph.linked_from(resource, "aws_route53_query_log", "zone_id"):
        return None
    return Fail(None, "no aws_route53_query_log records queries for this public zone")


# low: answers can be forged by a resolver-path attacker without DNSSEC
@check(
    id="IG-AWS-074",
    title="Route 53 public hosted zone is not signed with DNSSEC",
    severity="low",
    framework="terraform",
    types=["aws_route53_zone"],
    cwe="CWE-345",
    description="Without aws_route53_hosted_zone_dnssec, validating resolvers cannot tell the zone's answers from "
    "forged ones, so cache poisoning can send users (and ACM/HTTP validation) to an attacker's address.",
    remediation="Add an aws_route53_key_signing_key (KMS key in us-east-1) and an aws_route53_hosted_zone_dnssec for "
    "the zone, then publish the DS record at the parent.",
    example='resource "aws_route53_hosted_zone_dnssec" "example_com" {\n'
    "  hosted_zone_id = aws_route53_key_signing_key.example_com.hosted_zone_id\n}",
    graph=True,
    tags=("dns",),
)
def aws_route53_no_dnssec(resource, graph):
    if not _public_zone(resource):
        return None
    kinds = ("aws_route53_hosted_zone_dnssec", "aws_route53_key_signing_key")
    if decide_any(partial(graph.linked_from, resource, kind, "hosted_zone_id") for kind in kinds):
        return None
    return Fail(None, "no aws_route53_hosted_zone_dnssec signs this public zone")


# low: messages sit unencrypted only until delivered
@check(
    id="IG-AWS-075",
    title="SNS topic is not encrypted at rest",
    severity="low",
    framework="terraform",
    types=["aws_sns_topic"],
    cwe="CWE-311",
    description="Without kms_master_key_id SNS stores messages unencrypted until they are delivered; notifications "
    "often carry order details, personal data or alert contents.",
    remediation='Set kms_master_key_id (the AWS managed "alias/aws/sns", or a customer managed key whose policy '
    "lets the publishing services use it).",
    example='resource "aws_sns_topic" "orders" {\n  name              = "orders"\n'
    "  kms_master_key_id = aws_kms_key.messaging.arn\n}",
    tags=("encryption", "messaging"),
)
def aws_sns_unencrypted(resource):
    if _unset(resource, "kms_master_key_id"):
        return Fail(written(resource, "kms_master_key_id"), "topic messages are not encrypted at rest")
    return None


# medium: queued messages at rest in clear, for up to 14 days
@check(
    id="IG-AWS-076",
    title="SQS queue has server-side encryption turned off",
    severity="medium",
    framework="terraform",
    types=["aws_sqs_queue"],
    cwe="CWE-311",
    description="sqs_managed_sse_enabled = false without kms_master_key_id stores messages unencrypted for as long "
    "as they are retained (up to 14 days). Since 2022 SQS encrypts new queues by default; this setting turns that "
    "off.",
    remediation="Remove sqs_managed_sse_enabled = false, or set kms_master_key_id to a customer managed key.",
    example='resource "aws_sqs_queue" "orders" {\n  name                    = "orders"\n'
    "  sqs_managed_sse_enabled = true\n}",
    tags=("encryption", "messaging"),
    fix=SetValue("sqs_managed_sse_enabled", True),
)
def aws_sqs_unencrypted(resource):
    if is_false(resource.get("sqs_managed_sse_enabled")) and _unset(resource, "kms_master_key_id"):
        return Fail("sqs_managed_sse_enabled", "server-side encryption is off and no KMS key is set")
    return None


# (path under datasources.0, name) of the GuardDuty protections a detector can switch off.
GUARDDUTY_SOURCES = (
    ("s3_logs.0.enable", "S3 protection"),
    ("kubernetes.0.audit_logs.0.enable", "EKS audit log monitoring"),
    ("malware_protection.0.scan_ec2_instance_with_findings.0.ebs_volumes.0.enable", "malware protection"),
)


# low: the detector runs, but blind to one data source
@check(
    id="IG-AWS-102",
    title="GuardDuty protection plan is turned off",
    severity="low",
    framework="terraform",
    types=["aws_guardduty_detector", "aws_guardduty_detector_feature"],
    cwe="CWE-778",
    description="A detector whose datasources turn off S3 protection, EKS audit log monitoring or malware "
    'protection, or an aws_guardduty_detector_feature with status "DISABLED", leaves that data source unwatched: '
    "bucket exfiltration, cluster compromise or malware on instances raise no finding.",
    remediation='Enable the protection (enable = true in datasources, or status = "ENABLED" on the feature).',
    example='resource "aws_guardduty_detector_feature" "s3" {\n  detector_id = aws_guardduty_detector.main.id\n'
    '  name        = "S3_DATA_EVENTS"\n  status      = "ENABLED"\n}',
    tags=("logging", "detection"),
)
def aws_guardduty_protection_off(resource):
    if resource.type == "aws_guardduty_detector_feature":
        if str(resource.get("status", "")).upper() == "DISABLED":
            return Fail("status", f"GuardDuty feature {resource.get('name')} is disabled")
        return None
    block = first_block(resource, "datasources")
    if block is None:
        return None
    verdict = Verdict()
    for path, name in GUARDDUTY_SOURCES:
        with verdict.item():
            if is_false(resource.get(f"{block}.{path}")):
                verdict.fail(f"{block}.{path}", f"{name} is turned off")
    return verdict.result()


# low: sensitive data discovery suspended
@check(
    id="IG-AWS-103",
    title="Amazon Macie is paused",
    severity="low",
    framework="terraform",
    types=["aws_macie2_account"],
    cwe="CWE-778",
    description='status = "PAUSED" keeps Macie enabled but stops its jobs and findings: buckets that become public '
    "or start holding personal data are no longer reported.",
    remediation='Set status = "ENABLED" (the default).',
    example='resource "aws_macie2_account" "main" {\n  finding_publishing_frequency = "FIFTEEN_MINUTES"\n'
    '  status                       = "ENABLED"\n}',
    tags=("logging", "detection"),
    fix=SetValue(
        "status",
        "ENABLED",
        unsafe="resumes Macie, which bills for the buckets it monitors and the data its jobs inspect",
    ),
)
def aws_macie_paused(resource):
    if str(resource.get("status", "")).upper() == "PAUSED":
        return Fail("status", "Macie is paused")
    return None


# medium: notifications, often with business data, cross the internet in clear text
@check(
    id="IG-AWS-104",
    title="SNS subscription delivers messages over plain HTTP",
    severity="medium",
    framework="terraform",
    types=["aws_sns_topic_subscription"],
    cwe="CWE-319",
    description='protocol = "http" sends every message of the topic to the endpoint unencrypted, readable and '
    "changeable by anyone on the path; the endpoint cannot check that a message really comes from SNS without "
    "TLS either.",
    remediation='Use protocol = "https" with an https:// endpoint.',
    example='resource "aws_sns_topic_subscription" "webhook" {\n  topic_arn = aws_sns_topic.orders.arn\n'
    '  protocol  = "https"\n  endpoint  = "https://hooks.example.com/orders"\n}',
    tags=("encryption", "messaging"),
)
def aws_sns_http_subscription(resource):
    if str(resource.get("protocol", "")).lower() == "http":
        return Fail("protocol", "messages are delivered over plain HTTP")
    return None


# medium: the trail exists but records none of the account's control-plane activity
@check(
    id="IG-AWS-078",
    title="CloudTrail trail records no management events",
    severity="medium",
    framework="terraform",
    types=["aws_cloudtrail"],
    cwe="CWE-778",
    description="When every event_selector sets include_management_events = false (and no advanced selector "
    "records them), the trail keeps only data events: user and role changes, security group edits, key "
    "deletions and console sign-ins leave no record in it.",
    remediation="Set include_management_events = true (the default) on one selector, or keep management events "
    "in another multi-region trail.",
    example='resource "aws_cloudtrail" "main" {\n  name           = "main"\n'
    "  s3_bucket_name = aws_s3_bucket.trail.id\n\n  event_selector {\n"
    '    read_write_type           = "All"\n    include_management_events = true\n  }\n}',
    tags=("logging",),
)
def aws_cloudtrail_no_management_events(resource):
    if block_paths(resource, "advanced_event_selector") or "advanced_event_selector" in dynamic_blocks(resource):
        return None  # advanced selectors describe management events their own way
    verdict = Verdict()
    selectors = block_paths(resource, "event_selector", verdict)
    for path in selectors:
        with verdict.item():
            if not is_false(resource.get(f"{path}.include_management_events")):
                return None  # this selector records them (true is the default)
    verdict.result()  # unknown when a selector's setting (or a dynamic selector) is unknown
    if selectors:
        return Fail(f"{selectors[0]}.include_management_events", "no event selector records management events")
    return None
