"""AWS checks for Terraform resources."""

from __future__ import annotations

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
)
def s3_bucket_acl_public(resource):
    if resource.get("acl") in PUBLIC_ACLS:
        return Fail("acl", f"S3 bucket ACL is {resource.get('acl')!r}: objects are readable by anyone")
    return None
