"""A google_iam_policy data source renders its policy_data, so *_iam_policy resources can be judged."""

from __future__ import annotations

import json

from scanner.records import PartialDocument
from tests.conftest import FIXTURES, run_scan

POLICY = FIXTURES / "terraform-eval" / "google-iam-policy"


def _policies() -> dict:
    result = run_scan(POLICY, checks={"IG-GCP-077"})
    assert not [e for e in result.errors if e.level == "error"]
    return {r.address: r.attributes["policy_data"] for r in result.resources if r.type.endswith("_iam_policy")}


def test_a_known_policy_renders_to_the_json_the_provider_writes():
    assert json.loads(_policies()["google_storage_bucket_iam_policy.known"]) == {
        "bindings": [{"role": "roles/storage.objectViewer", "members": ["group:eng@example.com"]}]
    }


def test_an_unknown_member_list_keeps_the_other_bindings_and_audit_configs_known():
    value = _policies()["google_project_iam_policy.partly_known"]
    assert isinstance(value, PartialDocument)
    viewer, reviewer = value.document["bindings"]
    assert viewer["members"] == ["group:eng@example.com", "user:bob@example.com"]  # a sorted set
    assert viewer["condition"]["title"] == "business-hours"
    assert reviewer["role"] == "roles/iam.securityReviewer" and not isinstance(reviewer["members"], list)
    assert value.document["auditConfigs"] == [
        {
            "service": "allServices",
            "auditLogConfigs": [{"logType": "DATA_READ", "exemptedMembers": ["user:bob@example.com"]}],
        }
    ]
