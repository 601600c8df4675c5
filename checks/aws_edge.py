"""AWS edge and API services for Terraform: CloudFront, load balancers, API Gateway and WAF.

Plain-HTTP listeners (IG-AWS-014) are judged in terraform_aws.py; checks that need another resource
(WAF associations, API integrations, load balancer targets) live in aws_services_graph.py.
"""

from __future__ import annotations

import re

from checks._helpers import Verdict, block_paths, configured, first_block, is_true, written
from scanner.fix.spec import SetValue
from scanner.records import Resource, UnknownValue
from scanner.registry import Fail, check

DISTRIBUTION = ["aws_cloudfront_distribution"]


def _cache_behaviors(resource: Resource, verdict: Verdict) -> list[str]:
    return block_paths(resource, "default_cache_behavior", verdict) + block_paths(
        resource, "ordered_cache_behavior", verdict
    )


# medium: viewers may send cookies and tokens over plain HTTP
@check(
    id="IG-AWS-176",
    title="CloudFront cache behavior allows plain HTTP",
    severity="medium",
    framework="terraform",
    types=DISTRIBUTION,
    cwe="CWE-319",
    description='viewer_protocol_policy = "allow-all" serves the behavior over plain HTTP as well as HTTPS, so '
    "session cookies, tokens and content cross the network unencrypted and can be altered in transit.",
    remediation='Set viewer_protocol_policy = "redirect-to-https" (or "https-only") on the default and every ordered '
    "cache behavior.",
    example='resource "aws_cloudfront_distribution" "site" {\n  enabled = true\n\n  origin {\n'
    "    domain_name              = aws_s3_bucket.site.bucket_regional_domain_name\n"
    '    origin_id                = "site"\n'
    "    origin_access_control_id = aws_cloudfront_origin_access_control.site.id\n  }\n\n"
    '  default_cache_behavior {\n    target_origin_id       = "site"\n'
    '    viewer_protocol_policy = "redirect-to-https"\n'
    '    allowed_methods        = ["GET", "HEAD"]\n    cached_methods         = ["GET", "HEAD"]\n'
    '    cache_policy_id        = "658327ea-f89d-4fab-a63d-7e88639e58f6"\n  }\n\n  restrictions {\n'
    '    geo_restriction {\n      restriction_type = "none"\n    }\n  }\n\n  viewer_certificate {\n'
    '    acm_certificate_arn      = aws_acm_certificate.site.arn\n    ssl_support_method       = "sni-only"\n'
    '    minimum_protocol_version = "TLSv1.2_2021"\n  }\n}',
    tags=("encryption", "network"),
    fix=SetValue(
        "viewer_protocol_policy",
        "redirect-to-https",
        unsafe="plain-HTTP clients get a redirect, which API clients and non-GET requests may not follow",
    ),
)
def aws_cloudfront_allow_http(resource):
    verdict = Verdict()
    for path in _cache_behaviors(resource, verdict):
        with verdict.item():
            if str(resource.get(f"{path}.viewer_protocol_policy", "")).lower() == "allow-all":
                verdict.fail(f"{path}.viewer_protocol_policy", "viewer_protocol_policy is allow-all: HTTP is served")
    return verdict.result()


# medium: TLS 1.0/1.1 are deprecated and allow downgrade to weak ciphers
@check(
    id="IG-AWS-177",
    title="CloudFront distribution accepts TLS versions older than 1.2",
    severity="medium",
    framework="terraform",
    types=DISTRIBUTION,
    cwe="CWE-326",
    description="With a custom certificate, minimum_protocol_version defaults to TLSv1, which keeps TLS 1.0 and 1.1 "
    "and their weak ciphers available to viewers. (A distribution on the default *.cloudfront.net certificate "
    "cannot choose its minimum and is not reported.)",
    remediation='Set viewer_certificate { minimum_protocol_version = "TLSv1.2_2021" } (or a newer policy).',
    example='resource "aws_cloudfront_distribution" "site" {\n  enabled = true\n\n  origin {\n'
    "    domain_name              = aws_s3_bucket.site.bucket_regional_domain_name\n"
    '    origin_id                = "site"\n'
    "    origin_access_control_id = aws_cloudfront_origin_access_control.site.id\n  }\n\n"
    '  default_cache_behavior {\n    target_origin_id       = "site"\n    viewer_protocol_policy = "https-only"\n'
    '    allowed_methods        = ["GET", "HEAD"]\n    cached_methods         = ["GET", "HEAD"]\n  }\n\n'
    '  restrictions {\n    geo_restriction {\n      restriction_type = "none"\n    }\n  }\n\n  viewer_certificate {\n'
    '    acm_certificate_arn      = aws_acm_certificate.site.arn\n    ssl_support_method       = "sni-only"\n'
    '    minimum_protocol_version = "TLSv1.2_2021"\n  }\n}',
    tags=("encryption",),
    fix=SetValue(
        "viewer_certificate.0.minimum_protocol_version",
        "TLSv1.2_2021",
        unsafe="viewers that only speak TLS 1.0 or 1.1 can no longer connect",
    ),
)
def aws_cloudfront_old_tls(resource):
    block = first_block(resource, "viewer_certificate")
    if block is None or is_true(resource.get(f"{block}.cloudfront_default_certificate")):
        return None
    version = resource.get(f"{block}.minimum_protocol_version") or "TLSv1"
    if str(version).startswith(("TLSv1.2", "TLSv1.3")):
        return None
    at = written(resource, f"{block}.minimum_protocol_version", block)
    return Fail(at, f"minimum_protocol_version is {version!r}: TLS 1.0/1.1 (or SSLv3) are accepted")


# low: a WAF is defence in depth in front of the origin
@check(
    id="IG-AWS-178",
    title="CloudFront distribution has no WAF web ACL",
    severity="low",
    framework="terraform",
    types=DISTRIBUTION,
    cwe="CWE-693",
    description="Without web_acl_id nothing filters requests before they reach the origin: no managed rules against "
    "common exploits, no rate limiting, no IP reputation lists.",
    remediation='Create an aws_wafv2_web_acl with scope = "CLOUDFRONT" (in us-east-1) and set web_acl_id to its ARN.',
    example='resource "aws_cloudfront_distribution" "site" {\n  enabled    = true\n'
    "  web_acl_id = aws_wafv2_web_acl.edge.arn\n\n  origin {\n"
    '    domain_name = "app.internal.example.com"\n    origin_id   = "app"\n    custom_origin_config {\n'
    "      http_port              = 80\n      https_port             = 443\n"
    '      origin_protocol_policy = "https-only"\n'
    '      origin_ssl_protocols   = ["TLSv1.2"]\n    }\n  }\n\n  default_cache_behavior {\n'
    '    target_origin_id       = "app"\n    viewer_protocol_policy = "redirect-to-https"\n'
    '    allowed_methods        = ["GET", "HEAD"]\n    cached_methods         = ["GET", "HEAD"]\n  }\n\n'
    '  restrictions {\n    geo_restriction {\n      restriction_type = "none"\n    }\n  }\n\n'
    "  viewer_certificate {\n    cloudfront_default_certificate = true\n  }\n}\n\n"
    'resource "aws_wafv2_web_acl" "edge" {\n  name  = "edge"\n  scope = "CLOUDFRONT"\n\n'
    "  default_action {\n    allow {}\n  }\n\n  visibility_config {\n    cloudwatch_metrics_enabled = true\n"
    '    metric_name                = "edge"\n    sampled_requests_enabled   = true\n  }\n}',
    tags=("network",),
)
def aws_cloudfront_no_waf(resource):
    if configured(resource, "web_acl_id"):
        return None
    return Fail(written(resource, "web_acl_id"), "no WAF web ACL protects the distribution")


# medium: without origin access control the bucket behind the distribution has to be readable by everyone
@check(
    id="IG-AWS-179",
    title="CloudFront S3 origin has no origin access control",
    severity="medium",
    framework="terraform",
    types=DISTRIBUTION,
    cwe="CWE-284",
    description="An S3 origin (an origin without custom_origin_config or vpc_origin_config) with neither "
    "origin_access_control_id nor an origin access identity makes CloudFront fetch objects anonymously, so the "
    "bucket must allow public reads: anyone can bypass the distribution, its WAF, geo and signed-URL rules.",
    remediation='Create an aws_cloudfront_origin_access_control (signing_behavior = "always") and set '
    "origin_access_control_id, then allow only the distribution in the bucket policy (aws:SourceArn).",
    example='resource "aws_cloudfront_distribution" "site" {\n  enabled = true\n\n  origin {\n'
    '    domain_name              = "company-site.s3.eu-west-1.amazonaws.com"\n    origin_id                = "site"\n'
    "    origin_access_control_id = aws_cloudfront_origin_access_control.site.id\n  }\n\n"
    '  default_cache_behavior {\n    target_origin_id       = "site"\n'
    '    viewer_protocol_policy = "redirect-to-https"\n'
    '    allowed_methods        = ["GET", "HEAD"]\n    cached_methods         = ["GET", "HEAD"]\n  }\n\n'
    '  restrictions {\n    geo_restriction {\n      restriction_type = "none"\n    }\n  }\n\n'
    "  viewer_certificate {\n    cloudfront_default_certificate = true\n  }\n}\n\n"
    'resource "aws_cloudfront_origin_access_control" "site" {\n  name                              = "site"\n'
    '  origin_access_control_origin_type = "s3"\n  signing_behavior                  = "always"\n'
    '  signing_protocol                  = "sigv4"\n}',
    tags=("s3", "public"),
)
def aws_cloudfront_s3_origin_open(resource):
    verdict = Verdict()
    for origin in block_paths(resource, "origin", verdict):
        with verdict.item():
            if first_block(resource, f"{origin}.custom_origin_config") or first_block(
                resource, f"{origin}.vpc_origin_config"
            ):
                continue
            if configured(resource, f"{origin}.origin_access_control_id"):
                continue
            s3_config = first_block(resource, f"{origin}.s3_origin_config")
            if s3_config and configured(resource, f"{s3_config}.origin_access_identity"):
                continue
            verdict.fail(origin, "S3 origin without origin access control or identity: the bucket must be public")
    return verdict.result()


# medium: CloudFront-to-origin traffic in clear, or over SSLv3
@check(
    id="IG-AWS-180",
    title="CloudFront reaches a custom origin over plain HTTP or SSLv3",
    severity="medium",
    framework="terraform",
    types=DISTRIBUTION,
    cwe="CWE-319",
    description='origin_protocol_policy = "http-only" sends every request and response between CloudFront and the '
    "origin unencrypted across the internet, even when viewers use HTTPS; SSLv3 in origin_ssl_protocols allows "
    "a protocol broken since POODLE.",
    remediation='Set origin_protocol_policy = "https-only" and origin_ssl_protocols = ["TLSv1.2"] (the origin needs '
    "a certificate valid for its domain name). An S3 website endpoint only speaks HTTP: serve the bucket through its "
    "REST endpoint with origin access control instead.",
    example='resource "aws_cloudfront_distribution" "app" {\n  enabled = true\n\n  origin {\n'
    '    domain_name = "app.internal.example.com"\n    origin_id   = "app"\n    custom_origin_config {\n'
    "      http_port              = 80\n      https_port             = 443\n"
    '      origin_protocol_policy = "https-only"\n'
    '      origin_ssl_protocols   = ["TLSv1.2"]\n    }\n  }\n\n  default_cache_behavior {\n'
    '    target_origin_id       = "app"\n    viewer_protocol_policy = "redirect-to-https"\n'
    '    allowed_methods        = ["GET", "HEAD"]\n    cached_methods         = ["GET", "HEAD"]\n  }\n\n'
    '  restrictions {\n    geo_restriction {\n      restriction_type = "none"\n    }\n  }\n\n'
    "  viewer_certificate {\n    cloudfront_default_certificate = true\n  }\n}",
    tags=("encryption",),
)
def aws_cloudfront_origin_plaintext(resource):
    verdict = Verdict()
    for origin in block_paths(resource, "origin", verdict):
        for config in block_paths(resource, f"{origin}.custom_origin_config", verdict):
            with verdict.item():
                if str(resource.get(f"{config}.origin_protocol_policy", "")).lower() == "http-only":
                    verdict.fail(f"{config}.origin_protocol_policy", "origin is reached over plain HTTP")
            with verdict.item():
                protocols = resource.get(f"{config}.origin_ssl_protocols") or []
                if any(str(p).upper() == "SSLV3" for p in protocols):
                    verdict.fail(f"{config}.origin_ssl_protocols", "origin_ssl_protocols allows SSLv3")
    return verdict.result()


LOAD_BALANCERS = ["aws_lb", "aws_alb"]


def _application(resource: Resource) -> bool:
    return str(resource.get("load_balancer_type") or "application").lower() == "application"


# low: request smuggling hardening
@check(
    id="IG-AWS-181",
    title="Application load balancer forwards invalid HTTP header fields",
    severity="low",
    framework="terraform",
    types=LOAD_BALANCERS,
    cwe="CWE-444",
    description="drop_invalid_header_fields defaults to false: headers whose names are not valid HTTP tokens reach "
    "the targets, where servers that parse them differently from the load balancer open the door to request "
    "smuggling and header injection.",
    remediation="Set drop_invalid_header_fields = true on application load balancers.",
    example='resource "aws_lb" "web" {\n  name                       = "web"\n'
    '  load_balancer_type         = "application"\n'
    "  subnets                    = var.public_subnet_ids\n  drop_invalid_header_fields = true\n}",
    tags=("network",),
    fix=SetValue(
        "drop_invalid_header_fields",
        True,
        unsafe="requests lose header fields whose names are not valid (underscores included), which some applications "
        "rely on",
    ),
)
def aws_alb_invalid_headers(resource):
    if not _application(resource) or is_true(resource.get("drop_invalid_header_fields")):
        return None
    return Fail(written(resource, "drop_invalid_header_fields"), "invalid header fields are forwarded to targets")


# low: an availability safeguard
@check(
    id="IG-AWS-182",
    title="Load balancer deletion protection is disabled",
    severity="low",
    framework="terraform",
    types=LOAD_BALANCERS,
    cwe="CWE-693",
    description="enable_deletion_protection defaults to false: one mistaken apply or a compromised pipeline deletes "
    "the load balancer, its DNS name and listeners, and takes the service offline.",
    remediation="Set enable_deletion_protection = true on production load balancers.",
    example='resource "aws_lb" "web" {\n  name                       = "web"\n  subnets                    = '
    "var.public_subnet_ids\n  enable_deletion_protection = true\n  drop_invalid_header_fields = true\n}",
    tags=("network",),
    fix=SetValue("enable_deletion_protection", True),
)
def aws_lb_deletion_protection(resource):
    if is_true(resource.get("enable_deletion_protection")):
        return None
    return Fail(written(resource, "enable_deletion_protection"), "deletion protection is off")


# low: logging gap on the internet edge
@check(
    id="IG-AWS-183",
    title="Load balancer access logs are disabled",
    severity="low",
    framework="terraform",
    types=[*LOAD_BALANCERS, "aws_elb"],
    cwe="CWE-778",
    description="Without access logs there is no record of the requests the load balancer served - client "
    "addresses, paths, status codes - to investigate an attack or a data leak through the application.",
    remediation="Add access_logs { bucket = aws_s3_bucket.lb_logs.id, enabled = true } (the bucket policy must let "
    "the regional ELB account or logdelivery.elasticloadbalancing.amazonaws.com write).",
    example='resource "aws_lb" "web" {\n  name    = "web"\n  subnets = var.public_subnet_ids\n\n  access_logs {\n'
    '    bucket  = "company-lb-logs"\n    prefix  = "web"\n    enabled = true\n  }\n}',
    tags=("logging",),
)
def aws_lb_access_logs(resource):
    block = first_block(resource, "access_logs")
    if block is None:
        return Fail(None, "no access_logs block: requests are not logged")
    # aws_lb defaults enabled to false; the classic aws_elb to true
    enabled = resource.get(f"{block}.enabled")
    if is_true(enabled) or (enabled is None and resource.type == "aws_elb"):
        return None
    return Fail(written(resource, f"{block}.enabled", block), "access logging is not enabled")


# Security policies that keep only TLS 1.2 and 1.3 (ELBSecurityPolicy-TLS13-1-2-*, -TLS-1-2-*, -FS-1-2-*).
MODERN_TLS_POLICY = re.compile(r"TLS13-1-[23]|TLS-1-2|FS-1-2", re.IGNORECASE)


# medium: TLS 1.0/1.1 allowed on the internet edge
@check(
    id="IG-AWS-184",
    title="Load balancer listener allows TLS versions older than 1.2",
    severity="medium",
    framework="terraform",
    types=["aws_lb_listener", "aws_alb_listener"],
    cwe="CWE-326",
    description="An HTTPS or TLS listener whose ssl_policy keeps TLS 1.0 or 1.1 (ELBSecurityPolicy-2016-08, "
    "FS-2018-06, TLS-1-1-2017-01...) lets clients negotiate deprecated protocols and ciphers. A listener without "
    "ssl_policy gets the API's default of the day and is answered unknown.",
    remediation='Set ssl_policy = "ELBSecurityPolicy-TLS13-1-2-2021-06" (or another TLS 1.2+ policy).',
    example='resource "aws_lb_listener" "https" {\n  load_balancer_arn = aws_lb.web.arn\n  port              = 443\n'
    '  protocol          = "HTTPS"\n  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"\n'
    '  certificate_arn   = aws_acm_certificate.web.arn\n\n  default_action {\n    type             = "forward"\n'
    "    target_group_arn = aws_lb_target_group.web.arn\n  }\n}",
    tags=("encryption",),
    fix=SetValue(
        "ssl_policy",
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        unsafe="clients that only speak TLS 1.0 or 1.1 can no longer connect",
    ),
)
def aws_lb_listener_old_tls(resource):
    if str(resource.get("protocol", "")).upper() not in ("HTTPS", "TLS"):
        return None
    policy = resource.get("ssl_policy")
    if policy is None:
        # the provider documents ssl_policy as required here; without it AWS applies whatever its API default is
        raise UnknownValue("ssl_policy", "ssl_policy is omitted: the policy is the API's default at creation")
    if not MODERN_TLS_POLICY.search(str(policy)):
        return Fail("ssl_policy", f"ssl_policy {policy!r} allows TLS versions older than 1.2")
    return None


# low: hardening against request smuggling
@check(
    id="IG-AWS-185",
    title="Application load balancer desync mitigation is in monitor mode",
    severity="low",
    framework="terraform",
    types=LOAD_BALANCERS,
    cwe="CWE-444",
    description='desync_mitigation_mode = "monitor" forwards requests that the HTTP desync guardian classifies as '
    "ambiguous or severe, which lets request-smuggling attempts reach the targets. The default (defensive) and "
    "strictest modes block them.",
    remediation='Remove desync_mitigation_mode or set it to "defensive" or "strictest".',
    example='resource "aws_lb" "web" {\n  name                   = "web"\n'
    "  subnets                = var.public_subnet_ids\n"
    '  desync_mitigation_mode = "defensive"\n}',
    tags=("network",),
    fix=SetValue(
        "desync_mitigation_mode",
        "defensive",
        unsafe="requests that the load balancer classifies as severe are then rejected instead of forwarded",
    ),
)
def aws_alb_desync_monitor(resource):
    if _application(resource) and str(resource.get("desync_mitigation_mode", "")).lower() == "monitor":
        return Fail("desync_mitigation_mode", "desync mitigation only monitors: ambiguous requests are forwarded")
    return None


# medium: clients may negotiate TLS 1.0 with the API's custom domain
@check(
    id="IG-AWS-186",
    title="API Gateway custom domain allows TLS 1.0",
    severity="medium",
    framework="terraform",
    types=["aws_api_gateway_domain_name"],
    cwe="CWE-326",
    description='security_policy = "TLS_1_0" lets clients call the API over TLS 1.0 and 1.1, deprecated protocols '
    "with known weaknesses.",
    remediation='Set security_policy = "TLS_1_2" (or a SecurityPolicy_TLS13_* policy).',
    example='resource "aws_api_gateway_domain_name" "api" {\n  domain_name              = "api.example.com"\n'
    "  regional_certificate_arn = aws_acm_certificate.api.arn\n"
    '  security_policy          = "TLS_1_2"\n\n  endpoint_configuration {\n    types = ["REGIONAL"]\n  }\n}',
    tags=("encryption",),
    fix=SetValue("security_policy", "TLS_1_2", unsafe="clients that only speak TLS 1.0 or 1.1 can no longer connect"),
)
def aws_apigw_domain_tls10(resource):
    policy = resource.get("security_policy")
    if isinstance(policy, str) and policy.upper() == "TLS_1_0":
        return Fail("security_policy", "security_policy TLS_1_0 allows TLS 1.0 and 1.1")
    return None


# low: logging gap on a public API
@check(
    id="IG-AWS-187",
    title="API Gateway stage has no access logging",
    severity="low",
    framework="terraform",
    types=["aws_api_gateway_stage", "aws_apigatewayv2_stage"],
    cwe="CWE-778",
    description="Without access_log_settings there is no record of who called the API - source IP, caller identity, "
    "route and status - to detect abuse or scope a breach.",
    remediation="Add access_log_settings { destination_arn = aws_cloudwatch_log_group.api.arn, format = ... } (for "
    "REST APIs, also an aws_api_gateway_account with a CloudWatch role).",
    example='resource "aws_api_gateway_stage" "prod" {\n  rest_api_id   = aws_api_gateway_rest_api.api.id\n'
    '  deployment_id = aws_api_gateway_deployment.api.id\n  stage_name    = "prod"\n\n  access_log_settings {\n'
    "    destination_arn = aws_cloudwatch_log_group.api.arn\n"
    '    format          = jsonencode({ requestId = "$context.requestId", ip = "$context.identity.sourceIp" })\n  }\n'
    "}\n\n"
    'resource "aws_cloudwatch_log_group" "api" {\n  name              = "/aws/apigateway/api-prod"\n'
    "  retention_in_days = 365\n}",
    tags=("logging",),
)
def aws_apigw_stage_no_access_logs(resource):
    block = first_block(resource, "access_log_settings")
    if block is None:
        return Fail(None, "no access_log_settings: API calls are not logged")
    if not configured(resource, f"{block}.destination_arn"):
        return Fail(written(resource, f"{block}.destination_arn", block), "access logs have no destination")
    return None


# medium: cached responses (often personal data) stored unencrypted
@check(
    id="IG-AWS-188",
    title="API Gateway cache is not encrypted",
    severity="medium",
    framework="terraform",
    types=["aws_api_gateway_method_settings"],
    cwe="CWE-311",
    description="Method settings that enable caching without cache_data_encrypted (false by default) keep cached "
    "API responses - often user data - unencrypted at rest in the stage's cache cluster.",
    remediation="Set settings { caching_enabled = true, cache_data_encrypted = true }.",
    example='resource "aws_api_gateway_method_settings" "all" {\n  rest_api_id = aws_api_gateway_rest_api.api.id\n'
    '  stage_name  = aws_api_gateway_stage.prod.stage_name\n  method_path = "*/*"\n\n  settings {\n'
    '    caching_enabled      = true\n    cache_data_encrypted = true\n    logging_level        = "INFO"\n  }\n}',
    tags=("encryption",),
)
def aws_apigw_cache_unencrypted(resource):
    verdict = Verdict()
    for path in block_paths(resource, "settings", verdict):
        with verdict.item():
            if is_true(resource.get(f"{path}.caching_enabled")) and not is_true(
                resource.get(f"{path}.cache_data_encrypted")
            ):
                at = written(resource, f"{path}.cache_data_encrypted", f"{path}.caching_enabled")
                verdict.fail(at, "caching is enabled without cache_data_encrypted")
    return verdict.result()


# medium: a web ACL that allows everything and has no rules gives a false sense of protection
@check(
    id="IG-AWS-189",
    title="WAF web ACL allows all requests and has no rules",
    severity="medium",
    framework="terraform",
    types=["aws_wafv2_web_acl"],
    cwe="CWE-693",
    description="A web ACL whose default action is allow and that has no rule (and no rule_json) inspects nothing: "
    "every resource associated with it is as exposed as without a WAF, while dashboards show it as protected.",
    remediation="Add rules - at least the AWS managed AWSManagedRulesCommonRuleSet and KnownBadInputs rule groups and "
    "a rate-based rule - or make the default action block and allow known traffic explicitly.",
    example='resource "aws_wafv2_web_acl" "api" {\n  name  = "api"\n  scope = "REGIONAL"\n\n  default_action {\n'
    '    allow {}\n  }\n\n  rule {\n    name     = "common"\n    priority = 1\n\n    override_action {\n'
    "      none {}\n    }\n\n    statement {\n      managed_rule_group_statement {\n"
    '        name        = "AWSManagedRulesCommonRuleSet"\n        vendor_name = "AWS"\n      }\n    }\n\n'
    '    visibility_config {\n      cloudwatch_metrics_enabled = true\n      metric_name                = "common"\n'
    "      sampled_requests_enabled   = true\n    }\n  }\n\n  visibility_config {\n"
    '    cloudwatch_metrics_enabled = true\n    metric_name                = "api"\n'
    "    sampled_requests_enabled   = true\n"
    "  }\n}",
    tags=("network",),
)
def aws_waf_empty_allow(resource):
    action = first_block(resource, "default_action")
    if action is None or first_block(resource, f"{action}.allow") is None:
        return None
    if first_block(resource, "rule") is not None or configured(resource, "rule_json"):
        return None
    return Fail(f"{action}", "default action allows every request and the web ACL has no rules")
