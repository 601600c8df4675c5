"""One world-open ingress walk for every provider: the same port question gets the same answer from an
AWS security group, a GCP firewall and an Azure NSG rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks._helpers import Verdict, world_open_ingress
from tests.conftest import run_scan

DATABASES = """\
resource "aws_security_group" "reporting_db" {
  name   = "reporting-db"
  vpc_id = "vpc-0a1b2c3d4e5f60718"

  ingress {
    description = "PostgreSQL for the BI vendor"
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    description = "PostgreSQL from the office"
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["203.0.113.0/24"]
  }
}

resource "google_compute_firewall" "reporting_db" {
  name          = "allow-postgres"
  network       = "projects/acme-analytics/global/networks/main"
  source_ranges = ["0.0.0.0/0"]
  target_tags   = ["reporting-db"]

  allow {
    protocol = "tcp"
    ports    = ["5432"]
  }
}

resource "google_compute_firewall" "maintenance" {
  name          = "allow-everything-maintenance"
  network       = "projects/acme-analytics/global/networks/main"
  source_ranges = ["0.0.0.0/0"]
  disabled      = true

  allow {
    protocol = "all"
  }
}

resource "azurerm_network_security_rule" "reporting_db" {
  name                        = "allow-postgres"
  priority                    = 200
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "5432"
  source_address_prefix       = "Internet"
  destination_address_prefix  = "*"
  resource_group_name         = "rg-analytics"
  network_security_group_name = "nsg-reporting"
}
"""


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list]:
    folder: Path = tmp_path_factory.mktemp("databases")
    (folder / "main.tf").write_text(DATABASES)
    resources = run_scan(folder, checks={"IG-AWS-002"}).resources
    return {r.address: world_open_ingress(r, Verdict()) for r in resources}


def test_only_world_open_rules_of_enabled_inbound_rules_are_walked(rules) -> None:
    assert [(i.rule, i.source, i.attribute) for i in rules["aws_security_group.reporting_db"]] == [
        ("ingress.0", "0.0.0.0/0", "ingress.0.cidr_blocks")
    ]
    assert rules["google_compute_firewall.maintenance"] == []  # disabled
    assert [(i.source, i.attribute) for i in rules["azurerm_network_security_rule.reporting_db"]] == [
        ("Internet", "source_address_prefix")
    ]


@pytest.mark.parametrize(
    "address",
    [
        "aws_security_group.reporting_db",
        "google_compute_firewall.reporting_db",
        "azurerm_network_security_rule.reporting_db",
    ],
)
def test_every_provider_answers_the_same_port_question(rules, address: str) -> None:
    [ingress] = rules[address]
    verdict = Verdict()
    assert ingress.tcp() and ingress.reaches(5432, verdict)
    assert not ingress.reaches(22, verdict) and not ingress.every_port(verdict)
    assert ingress.admin_services(verdict) == []
    assert verdict.result() is None
