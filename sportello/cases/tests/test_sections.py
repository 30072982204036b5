"""Service sections: questions are data, the form is built from them and validated."""

import datetime
import json

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from sportello.cases import operations, section_forms
from sportello.cases.models import CaseSection, SectionField
from sportello.cases.section_catalogue import install_section_fields
from sportello.privacy.models import AuditEvent
from sportello.services.models import Service


def service_id(code: str) -> int:
    return Service.objects.get(code=code).pk


def test_the_migration_seeds_the_questions_of_the_four_services(milan):
    seeded = {
        code: list(SectionField.objects.filter(service__code=code).values_list("code", flat=True))
        for code in ("victims", "mediation", "criminology", "emergency")
    }
    assert seeded == {
        "victims": [
            "offence_type",
            "happened_on",
            "reported_to_police",
            "secondary_victimisation_risks",
        ],
        "mediation": ["parties", "conflict_type", "escalation_risk"],
        "criminology": ["author_assessment", "prevention_level"],
        "emergency": ["target_group", "reasons"],
    }
    groups = SectionField.objects.get(code="target_group").choices
    assert [item["code"] for item in groups] == [
        "painful_events",
        "negative_emotions",
        "impulsive_acts_risk",
    ]
    assert install_section_fields(apps.get_model) == 0  # a second run adds nothing


def test_the_form_is_built_from_the_rows_in_the_active_language(milan):
    SectionField.objects.create(
        service_id=service_id("victims"),
        code="interpreter",
        label_it="Serve un interprete",
        label_en="Needs an interpreter",
        kind="yes_no",
        order=99,
    )
    form_class = section_forms.section_form_class(service_id("victims"))
    assert list(form_class.base_fields)[-1] == "interpreter"
    assert form_class.base_fields["offence_type"].label == "Tipo di reato subito"
    with translation.override("en"):
        english = section_forms.section_form_class(service_id("victims"))
        assert english.base_fields["offence_type"].label == "Type of offence"
        assert ("stalking", "Stalking") in english.base_fields["offence_type"].choices


def test_the_form_refuses_an_unknown_choice_a_bad_date_and_a_missing_answer(milan):
    form = section_forms.section_form_class(service_id("victims"))(
        {"offence_type": "piracy", "happened_on": "31/02/2026", "reported_to_police": "no"}
    )
    assert not form.is_valid()
    assert set(form.errors) == {"offence_type", "happened_on"}
    missing = section_forms.section_form_class(service_id("mediation"))({"parties": "A e B"})
    assert not missing.is_valid()
    assert missing.errors["conflict_type"] == ["Rispondi a «Tipo di conflitto»."]


def test_validated_answers_have_one_stored_shape(milan):
    fields = section_forms.fields_of(service_id("victims"))
    document = section_forms.validate_answers(
        fields,
        {
            "offence_type": "fraud",
            "happened_on": datetime.date(2026, 11, 3),
            "reported_to_police": "yes",
            "secondary_victimisation_risks": "  ",
        },
    )
    assert document == {
        "offence_type": "fraud",
        "happened_on": "2026-11-03",
        "reported_to_police": True,
    }
    for bad, message in (
        ({"offence_type": "fraud", "x": 1}, "Domande che questo servizio non prevede: x."),
        ({"offence_type": "fraud", "happened_on": 7}, "Scrivi una data valida."),
    ):
        with pytest.raises(ValidationError) as refusal:
            section_forms.validate_answers(fields, bad)
        assert refusal.value.messages == [message]


def test_save_section_stores_the_answers_encrypted_and_audits_the_questions_only(
    cast,
):
    operations.save_section(
        cast.primary, cast.case.pk, {"target_group": "negative_emotions", "reasons": "Paura"}
    )
    section = CaseSection.objects.get()
    assert section.values == {"reasons": "Paura", "target_group": "negative_emotions"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM cases_casesection WHERE id = %s", [section.pk])
        (raw,) = cursor.fetchone()
    assert "negative_emotions" not in raw and "Paura" not in raw
    event = AuditEvent.objects.get(action="section_saved")
    assert event.detail["questions"] == ["reasons", "target_group"]
    assert "Paura" not in json.dumps(event.detail)
    rows = dict(
        section_forms.display_rows(section_forms.fields_of(cast.case.service_id), section.values)
    )
    assert rows["Gruppo destinatario"] == "Persone in difficoltà con emozioni negative"


def test_a_bad_section_writes_nothing(cast):
    before = (CaseSection.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as refusal:
        operations.save_section(cast.primary, cast.case.pk, {"reasons": "Paura"})
    assert "target_group" in refusal.value.message_dict
    assert refusal.value.message_dict == {"target_group": ["Rispondi a «Gruppo destinatario»."]}
    assert (CaseSection.objects.count(), AuditEvent.objects.count()) == before
