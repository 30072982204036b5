"""The HSDS package format alone: reading, every error with its place, writing."""

import datetime
import json
import uuid

from sportello.directory import hsds

ORG = "11111111-1111-4111-8111-111111111111"
SERVICE = "22222222-2222-4222-8222-222222222222"
LOCATION = "33333333-3333-4333-8333-333333333333"
SAL = "44444444-4444-4444-8444-444444444444"
TERM = "55555555-5555-4555-8555-555555555555"
OTHER = "66666666-6666-4666-8666-666666666666"


def csv_files(**overrides: str) -> dict[str, bytes]:
    """A small valid package as CSV text; each keyword replaces one file (by table name)."""
    texts = {
        "organizations": f"id,name,is_sample\n{ORG},Ente,true\n",
        "services": (
            "id,organization_id,name,status,free_of_charge,pec_email,desk_service\n"
            f"{SERVICE},{ORG},CPS,active,true,cps@pec.example.org,\n"
        ),
        "locations": f"id,organization_id,name,municipio,latitude\n{LOCATION},{ORG},Sede,3,45.5\n",
        "service_at_locations": f"id,service_id,location_id\n{SAL},{SERVICE},{LOCATION}\n",
        "phones": f"id,service_id,organization_id,location_id,number\n{OTHER},{SERVICE},,,02 1\n",
        "schedules": (
            "id,service_id,service_at_location_id,byday,opens_at,closes_at\n"
            f'{OTHER},,{SAL},"MO,TU",09:00,13:00\n'
        ),
        "service_areas": f"id,service_id,name,municipio\n{OTHER},{SERVICE},Zona,\n",
        "taxonomy_terms": f"id,code,name,parent_id\n{TERM},salute-mentale,Salute mentale,\n",
        "service_attributes": f"link_id,link_type,taxonomy_term_id\n{SERVICE},service,{TERM}\n",
        "languages": f"service_id,code\n{SERVICE},it\n",
    }
    texts.update(overrides)
    files = {f"{name}.csv": text.encode() for name, text in texts.items()}
    files["datapackage.json"] = json.dumps(hsds.descriptor()).encode()
    return files


def test_a_valid_package_reads_into_rows():
    package = hsds.read_package(csv_files())

    assert isinstance(package, hsds.Package), package
    assert package.organizations[0].is_sample is True
    assert package.locations[0].municipio == 3
    assert package.schedules[0].opens_at == datetime.time(9, 0)
    assert package.schedules[0].service_at_location_id == uuid.UUID(SAL)
    assert package.schedules[0].service_id is None
    assert package.services[0].free_of_charge is True
    assert package.service_areas[0].municipio is None
    assert package.languages == (hsds.LanguageRow(uuid.UUID(SERVICE), "it"),)


def test_write_then_read_gives_the_same_rows():
    package = hsds.read_package(csv_files())
    assert isinstance(package, hsds.Package)

    again = hsds.read_package(hsds.write_package(package))

    assert again == package


def test_every_error_is_reported_with_its_file_row_and_column():
    files = csv_files(
        organizations=f"id,name\nnot-a-uuid,Ente\n{ORG},Ente\n{ORG},Doppione\n",
        locations=f"id,organization_id,municipio\n{LOCATION},{ORG},10\n",
        schedules=(
            "id,service_id,byday,opens_at,closes_at\n"
            f"{OTHER},{SERVICE},MO,9.30,13:00\n"
            f"{TERM},{SERVICE},MO,14:00,13:00\n"
            f"{LOCATION},{SERVICE},XX,14:00,15:00\n"
        ),
        service_areas=f"id,service_id,name\n{OTHER},{TERM},Zona\n",
        phones="id,number\n",  # no links to check
        languages="service_id\n",  # the code column is missing
    )
    del files["service_attributes.csv"]

    errors = hsds.read_package(files)

    assert isinstance(errors, list)
    found = {(error.file, error.row, error.column) for error in errors}
    assert ("organizations.csv", 2, "id") in found  # bad uuid
    assert ("organizations.csv", 4, "id") in found  # duplicate id
    assert ("locations.csv", 2, "municipio") in found
    assert ("schedules.csv", 2, "opens_at") in found  # bad time
    assert ("schedules.csv", 4, "byday") in found
    assert ("schedules.csv", 3, "closes_at") in found  # closes before it opens
    assert ("service_areas.csv", 2, "service_id") in found  # dangling foreign key
    assert ("languages.csv", 1, "code") in found  # missing column
    assert ("service_attributes.csv", None, None) in found  # missing file
    by_place = {(error.file, error.row, error.column): error for error in errors}
    assert "not-a-uuid" in by_place["organizations.csv", 2, "id"].text
    assert "da 1 a 9" in by_place["locations.csv", 2, "municipio"].text
    assert "HH:MM" in by_place["schedules.csv", 2, "opens_at"].text
    assert "services.csv" in by_place["service_areas.csv", 2, "service_id"].text
    assert str(by_place["locations.csv", 2, "municipio"]).startswith(
        "locations.csv, riga 2, colonna municipio:"
    )


def test_other_value_kinds_and_row_rules_are_checked():
    files = csv_files(
        organizations=f"id,name,email,website,verified_at,is_sample\n"
        f"{ORG},Ente,non-email,example.org,2026-01-01T10:00:00,forse\n",
        phones=f"id,service_id,number\n{OTHER},,02 1\n",
        taxonomy_terms=(f"id,code,name,parent_id\n{TERM},a,A,{OTHER}\n{OTHER},a,B,{TERM}\n"),
    )

    errors = hsds.read_package(files)

    assert isinstance(errors, list)
    found = {(error.file, error.row, error.column) for error in errors}
    assert {
        ("organizations.csv", 2, "email"),
        ("organizations.csv", 2, "website"),
        ("organizations.csv", 2, "verified_at"),  # no time zone
        ("organizations.csv", 2, "is_sample"),
        ("phones.csv", 2, "service_id"),  # belongs nowhere
        ("taxonomy_terms.csv", 3, "code"),  # repeated code
        ("taxonomy_terms.csv", 2, "parent_id"),  # a cycle
    } <= found


def test_unknown_files_and_a_broken_descriptor_are_refused():
    files = csv_files()
    files["notes.txt"] = b"hello"
    files["datapackage.json"] = b"{not json"

    errors = hsds.read_package(files)

    assert isinstance(errors, list)
    assert {(error.file, error.row) for error in errors} == {
        ("notes.txt", None),
        ("datapackage.json", None),
    }


def test_a_row_with_the_wrong_number_of_values_names_its_row():
    errors = hsds.read_package(csv_files(organizations=f"id,name\n{ORG},Ente,extra\n"))

    assert isinstance(errors, list)
    assert ("organizations.csv", 2) in {(error.file, error.row) for error in errors}


def test_existing_data_is_checked_when_given():
    existing = hsds.Existing(
        languages=frozenset({"en"}),
        desk_services=frozenset({"emergency"}),
        taxonomy_codes={"salute-mentale": uuid.UUID(OTHER)},
    )

    errors = hsds.read_package(csv_files(), existing)

    assert isinstance(errors, list)
    assert {(error.file, error.row, error.column) for error in errors} == {
        ("languages.csv", 2, "code"),
        ("taxonomy_terms.csv", 2, "code"),
    }


def test_the_descriptor_declares_every_file_with_keys():
    files = hsds.write_package(hsds.Package())
    descriptor = json.loads(files["datapackage.json"])

    resources = {resource["path"]: resource for resource in descriptor["resources"]}
    assert set(resources) | {"datapackage.json"} == set(hsds.FILE_NAMES)
    services = resources["services.csv"]["schema"]
    assert services["primaryKey"] == ["id"]
    assert {
        "fields": "organization_id",
        "reference": {"resource": "organizations", "fields": "id"},
    } in services["foreignKeys"]
    municipio = next(
        field
        for field in resources["locations.csv"]["schema"]["fields"]
        if field["name"] == "municipio"
    )
    assert municipio["constraints"] == {"minimum": 1, "maximum": 9}
    assert files["services.csv"].startswith(b"id,organization_id,name,")
