"""publiccode.yml follows the publiccode.yml standard 0.4 as the Developers Italia parser
checks it (keys, allowed values, lengths), and agrees with LICENSE and pyproject.toml.

The allowed values below are the standard's lists (categories, scopes, development statuses,
software types, maintenance types) as publiccode-parser-go validates them for version 0.x.
"""

import datetime
import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

CATEGORIES = frozenset(
    [
        "accounting",
        "agile-project-management",
        "applicant-tracking",
        "application-development",
        "appointment-scheduling",
        "backup",
        "billing-and-invoicing",
        "blog",
        "budgeting",
        "business-intelligence",
        "business-process-management",
        "cad",
        "call-center-management",
        "cloud-management",
        "collaboration",
        "communications",
        "compliance-management",
        "contact-management",
        "content-management",
        "crm",
        "customer-service-and-support",
        "data-analytics",
        "data-collection",
        "data-visualization",
        "design",
        "design-system",
        "digital-asset-management",
        "digital-citizenship",
        "document-management",
        "donor-management",
        "e-commerce",
        "e-signature",
        "educational-content",
        "email-management",
        "email-marketing",
        "employee-management",
        "enterprise-project-management",
        "enterprise-social-networking",
        "erp",
        "event-management",
        "facility-management",
        "feedback-and-reviews-management",
        "financial-reporting",
        "fleet-management",
        "fundraising",
        "gamification",
        "geographic-information-systems",
        "grant-management",
        "graphic-design",
        "help-desk",
        "hr",
        "ide",
        "identity-management",
        "instant-messaging",
        "integrated-library-system",
        "inventory-management",
        "it-asset-management",
        "it-development",
        "it-management",
        "it-security",
        "it-service-management",
        "knowledge-management",
        "learning-management-system",
        "marketing",
        "mind-mapping",
        "mobile-marketing",
        "mobile-payment",
        "network-management",
        "office",
        "online-booking",
        "online-community",
        "payment-gateway",
        "payroll",
        "predictive-analysis",
        "procurement",
        "productivity-suite",
        "project-collaboration",
        "project-management",
        "property-management",
        "real-estate-management",
        "regulations-and-directives",
        "remote-support",
        "resource-management",
        "sales-management",
        "seo",
        "service-desk",
        "social-media-management",
        "survey",
        "talent-management",
        "task-management",
        "taxes-management",
        "test-management",
        "time-management",
        "time-tracking",
        "translation",
        "video-conferencing",
        "video-editing",
        "visitor-management",
        "voip",
        "warehouse-management",
        "web-collaboration",
        "web-conferencing",
        "whistleblowing",
        "website-builder",
        "workflow-management",
        "other",
    ]
)
SCOPES = frozenset(
    [
        "agriculture",
        "culture",
        "defence",
        "education",
        "emergency-services",
        "employment",
        "energy",
        "environment",
        "finance-and-economic-development",
        "foreign-affairs",
        "government",
        "healthcare",
        "infrastructures",
        "justice",
        "local-authorities",
        "manufacturing",
        "research",
        "science-and-technology",
        "security",
        "society",
        "sport",
        "tourism",
        "transportation",
        "welfare",
    ]
)
DEVELOPMENT_STATUSES = {"concept", "development", "beta", "stable", "obsolete"}
SOFTWARE_TYPES = {
    "standalone/mobile",
    "standalone/iot",
    "standalone/desktop",
    "standalone/web",
    "standalone/backend",
    "standalone/other",
    "addon",
    "library",
    "configurationFiles",
}
MAINTENANCE_TYPES = {"internal", "contract", "community", "none"}

# Keys the parser knows (it rejects any other): the core, plus the Italian extension.
TOP_LEVEL_KEYS = {
    "publiccodeYmlVersion",
    "name",
    "applicationSuite",
    "url",
    "landingURL",
    "isBasedOn",
    "softwareVersion",
    "releaseDate",
    "logo",
    "platforms",
    "categories",
    "usedBy",
    "roadmap",
    "developmentStatus",
    "softwareType",
    "intendedAudience",
    "description",
    "legal",
    "maintenance",
    "localisation",
    "dependsOn",
    "it",
}
DESCRIPTION_KEYS = {
    "localisedName",
    "shortDescription",
    "longDescription",
    "documentation",
    "apiDocumentation",
    "features",
    "screenshots",
    "videos",
    "awards",
}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")


@pytest.fixture(scope="module")
def publiccode():
    return yaml.safe_load((ROOT / "publiccode.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_only_keys_the_standard_knows(publiccode):
    assert set(publiccode) <= TOP_LEVEL_KEYS
    for language, text in publiccode["description"].items():
        assert set(text) <= DESCRIPTION_KEYS, language


def test_version_name_and_repository(publiccode, project):
    assert publiccode["publiccodeYmlVersion"] == "0.4"
    assert publiccode["name"] == "Sportello"
    assert re.fullmatch(r"https://[\w.-]+/[\w.-]+/[\w.-]+", publiccode["url"])
    assert publiccode["softwareVersion"] == project["version"]
    datetime.date.fromisoformat(publiccode["releaseDate"])  # a quoted ISO date


def test_platform_type_status_and_categories(publiccode):
    assert publiccode["platforms"] == ["web"]
    assert publiccode["softwareType"] == "standalone/web"
    assert publiccode["developmentStatus"] in DEVELOPMENT_STATUSES
    assert publiccode["categories"]
    assert set(publiccode["categories"]) <= CATEGORIES
    assert len(set(publiccode["categories"])) == len(publiccode["categories"])
    assert set(publiccode["intendedAudience"]["scope"]) <= SCOPES


@pytest.mark.parametrize("language", ["it", "en"])
def test_description_in_both_languages_within_the_limits(publiccode, language):
    text = publiccode["description"][language]
    assert text["localisedName"]
    assert 0 < len(text["shortDescription"]) <= 150
    assert "\n" not in text["shortDescription"]
    assert 150 <= len(text["longDescription"]) <= 10000
    assert text["features"]
    assert all(0 < len(feature) <= 100 for feature in text["features"])


def test_licence_is_the_eupl_as_in_license_and_pyproject(publiccode, project):
    legal = publiccode["legal"]
    assert legal["license"] == "EUPL-1.2" == project["license"]
    assert legal["mainCopyrightOwner"] == "Comune di Milano"
    assert legal["repoOwner"] == "Comune di Milano"
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("EUROPEAN UNION PUBLIC LICENCE v. 1.2\n")
    headings = re.findall(r"^(\d+)\.\s*\S", licence, flags=re.MULTILINE)
    assert headings == [str(article) for article in range(1, 16)]
    assert "‘Compatible Licences’ according to Article 5 EUPL are:" in licence


def test_internal_maintenance_names_its_contacts(publiccode):
    maintenance = publiccode["maintenance"]
    assert maintenance["type"] in MAINTENANCE_TYPES
    if maintenance["type"] in {"internal", "community"}:
        assert maintenance["contacts"]
    if maintenance["type"] == "contract":
        assert all(c["name"] and c["until"] for c in maintenance["contractors"])
    else:
        assert "contractors" not in maintenance
    for contact in maintenance.get("contacts", []):
        assert contact["name"]
        assert "email" not in contact or EMAIL.match(contact["email"])


def test_localised_in_italian_and_english(publiccode):
    localisation = publiccode["localisation"]
    assert localisation["localisationReady"] is True
    assert {"it", "en"} <= set(localisation["availableLanguages"])
    assert set(publiccode["description"]) <= set(localisation["availableLanguages"])


def test_dependencies_name_postgresql_and_python(publiccode):
    dependencies = {d["name"]: d for d in publiccode["dependsOn"]["open"]}
    assert dependencies["PostgreSQL"]["versionMin"] == "15"
    assert dependencies["Python"]["version"] == "3.11"


def test_italian_extension(publiccode):
    italy = publiccode["it"]
    assert italy["countryExtensionVersion"] == "1.0"
    assert set(italy["conforme"]) <= {
        "lineeGuidaDesign",
        "modelloInteroperabilita",
        "misureMinimeSicurezza",
        "gdpr",
    }
    assert all(value is True for value in italy["conforme"].values())
    assert italy["riuso"]["codiceIPA"] == "c_f205"  # Comune di Milano in the IPA index
