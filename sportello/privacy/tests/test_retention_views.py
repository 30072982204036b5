"""The DPO's retention pages: rules, dry runs, the run history and the real run."""

import io

import pytest
from django.urls import reverse
from django.utils.html import escape

from sportello.accounts.roles import Role
from sportello.privacy import retention
from sportello.privacy.models import AuditEvent, RetentionRule, RetentionRun
from sportello.privacy.tests.test_erasure import NOW, make_contact_record, mentions
from sportello.testing import rome

HOME = "/personale/privacy/conservazione/"


@pytest.fixture
def today(frozen_now):
    frozen_now(NOW)


@pytest.fixture
def dpo(milan, make_staff, client, today):
    user = make_staff("dpo")
    client.force_login(user)
    return user


@pytest.fixture
def expired_contact(milan, make_staff, today):
    """A contact never linked to a case, closed 13 months ago: the contact rule's to do."""
    staff = make_staff("professional")
    closed = rome(2025, 11, 1, 10, 0)
    return make_contact_record(staff, tag="EXPQX", at=closed, closed_at=closed)


def _rule(kind: str) -> RetentionRule:
    retention.ensure_default_rules()
    return RetentionRule.objects.get(record_kind=kind)


def test_the_urls_are_where_the_project_mounts_them():
    assert reverse("privacy:retention") == HOME
    assert reverse("privacy:retention-rule", args=[3]) == HOME + "regole/3/"
    assert reverse("privacy:retention-dry-run") == HOME + "prova/"
    assert reverse("privacy:retention-run", args=[4]) == HOME + "esecuzioni/4/"
    assert reverse("privacy:retention-apply", args=[4]) == HOME + "esecuzioni/4/esegui/"


def _every_view(client_user_dry_run_pk: int, rule_pk: int) -> list[tuple[str, str, dict]]:
    run = client_user_dry_run_pk
    # The rule changes last: a dry run made before a change can no longer be executed.
    return [
        ("get", reverse("privacy:retention"), {}),
        ("post", reverse("privacy:retention-default-rules"), {}),
        ("get", reverse("privacy:retention-rule", args=[rule_pk]), {}),
        ("post", reverse("privacy:retention-dry-run"), {}),
        ("get", reverse("privacy:retention-run", args=[run]), {}),
        ("post", reverse("privacy:retention-apply", args=[run]), {}),
        (
            "post",
            reverse("privacy:retention-rule", args=[rule_pk]),
            {"months": "24", "action": "pseudonymise", "active": "on", "basis": "Motivo"},
        ),
    ]


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_only_the_dpo_reaches_every_retention_view_others_get_404(
    milan, make_staff, client, today, role, django_capture_on_commit_callbacks
):
    rule = _rule("contact")
    dry = retention.apply(NOW, dry_run=True)
    user = make_staff(role)
    client.force_login(user)
    runs_before = RetentionRun.objects.count()
    for method, url, data in _every_view(dry.pk, rule.pk):
        with django_capture_on_commit_callbacks(execute=True):
            response = getattr(client, method)(url, data)
        if role == Role.DPO:
            assert response.status_code in (200, 302), (method, url, response.status_code)
        else:
            assert response.status_code == 404, (role, method, url)
    if role != Role.DPO:
        assert RetentionRun.objects.count() == runs_before
        assert RetentionRule.objects.get(pk=rule.pk).months == 12
    else:
        assert RetentionRule.objects.get(pk=rule.pk).months == 24


def test_anonymous_visitors_are_sent_to_sign_in(milan, client):
    for url in (HOME, reverse("privacy:retention-rule", args=[1])):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/personale/accesso/")
    response = client.post(reverse("privacy:retention-dry-run"))
    assert response.status_code == 302 and not RetentionRun.objects.exists()


def test_the_home_lists_the_rules_with_their_basis_and_the_history(dpo, client):
    retention.ensure_default_rules()
    retention.apply(NOW, dry_run=True, by=dpo)
    response = client.get(HOME)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    page = response.content.decode()
    for shown in (
        "messaggi sugli appuntamenti",
        "prese in carico chiuse (cartella clinica)",
        "60 mesi",
        "codice deontologico",
        "Prova (dry run)",
        "Prova n.",
        dpo.username,
    ):
        assert shown in page, shown


def test_the_home_writes_nothing_and_offers_to_create_the_default_rules(dpo, client):
    response = client.get(HOME)
    assert response.status_code == 200 and not RetentionRule.objects.exists()
    assert "Crea le regole predefinite" in response.content.decode()
    assert not AuditEvent.objects.exists()
    response = client.post(reverse("privacy:retention-default-rules"))
    assert response.status_code == 302 and response.url == HOME
    assert RetentionRule.objects.count() == len(retention.KINDS)
    assert AuditEvent.objects.filter(action="retention_rule_created").count() == len(
        retention.KINDS
    )
    page = client.get(HOME).content.decode()
    assert "Crea le regole predefinite" not in page and "60 mesi" in page
    # Once there, a second click creates nothing more.
    client.post(reverse("privacy:retention-default-rules"))
    assert RetentionRule.objects.count() == len(retention.KINDS)


def test_the_default_rules_are_created_by_the_dry_run_the_task_and_the_command(dpo, client):
    from django.core.management import call_command

    from sportello.privacy.retention_tasks import apply_retention

    client.post(reverse("privacy:retention-dry-run"))
    assert RetentionRule.objects.count() == len(retention.KINDS)
    for create in (
        apply_retention,
        lambda: call_command("apply_retention", "--dry-run", stdout=io.StringIO()),
    ):
        RetentionRule.objects.all().delete()
        create()
        assert RetentionRule.objects.count() == len(retention.KINDS)


def test_editing_a_rule_saves_it_and_audits_it(dpo, client):
    rule = _rule("case")
    response = client.post(
        reverse("privacy:retention-rule", args=[rule.pk]),
        {"months": "120", "action": "pseudonymise", "basis": "  Dieci anni, per legge  "},
    )
    assert response.status_code == 302 and response.url == HOME
    rule.refresh_from_db()
    assert (rule.months, rule.active, rule.basis) == (120, False, "Dieci anni, per legge")
    audit = AuditEvent.objects.get(action="retention_rule_changed")
    assert audit.actor == dpo and audit.detail["months"] == 120


@pytest.mark.parametrize(
    ("kind", "data", "field", "message"),
    [
        ("case", {"months": "0"}, "months", "Il numero di mesi deve essere almeno 1."),
        ("case", {"months": "601"}, "months", "Il numero di mesi può essere al massimo 600."),
        ("case", {"months": "dodici"}, "months", "I mesi sono un numero intero."),
        ("case", {"months": ""}, "months", "Indica per quanti mesi si conservano i dati."),
        ("case", {"action": "delete"}, "action", "Scegli un'azione dell'elenco."),
        (
            "appointment_message",
            {"action": "pseudonymise"},
            "action",
            "Scegli un'azione dell'elenco.",
        ),
        (
            "case",
            {"basis": "   "},
            "basis",
            "Scrivi perché i dati si conservano per questo periodo.",
        ),
    ],
)
def test_a_bad_rule_is_a_400_in_italian_and_nothing_is_written(
    dpo, client, kind, data, field, message
):
    rule = _rule(kind)
    before = RetentionRule.objects.filter(pk=rule.pk).values().get()
    default_action = rule.action
    posted = {"months": "24", "action": default_action, "active": "on", "basis": "Motivo"}
    response = client.post(reverse("privacy:retention-rule", args=[rule.pk]), posted | data)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert escape(message) in response.content.decode()
    assert RetentionRule.objects.filter(pk=rule.pk).values().get() == before
    assert not AuditEvent.objects.filter(action="retention_rule_changed").exists()


def test_the_update_operation_refuses_what_the_form_would_and_other_roles(milan, make_staff):
    from django.core.exceptions import PermissionDenied, ValidationError

    rule = _rule("callback_window")
    dpo, coordinator = make_staff("dpo"), make_staff("coordinator")
    with pytest.raises(ValidationError) as refused:
        retention.update_rule(
            dpo, rule.pk, months=700, action="pseudonymise", active=True, basis=""
        )
    assert set(refused.value.message_dict) == {"months", "action", "basis"}
    with pytest.raises(PermissionDenied):
        retention.update_rule(
            coordinator, rule.pk, months=2, action="delete", active=True, basis="x"
        )
    assert RetentionRule.objects.get(pk=rule.pk).months == 1


def test_the_dry_run_button_shows_the_report_per_kind_and_changes_nothing(
    dpo, client, expired_contact
):
    response = client.post(reverse("privacy:retention-dry-run"))
    run = RetentionRun.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "privacy:retention-run", args=[run.pk]
    )
    assert run.dry_run and run.started_by == dpo and run.report["contact"]["due"] == 1
    page = client.get(response.url).content.decode()
    assert "contatti mai collegati a una presa in carico" in page and "Esegui" in page
    assert mentions("EXPQX") > 0


def test_esegui_runs_the_dry_run_of_today_for_real(
    dpo, client, expired_contact, django_capture_on_commit_callbacks
):
    client.post(reverse("privacy:retention-dry-run"))
    dry = RetentionRun.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("privacy:retention-apply", args=[dry.pk]))
    assert response.status_code == 302 and response.url == HOME
    real = RetentionRun.objects.get(dry_run=False)
    assert real.as_of == dry.as_of and real.started_by == dpo
    assert real.report["contact"]["done"] == dry.report["contact"]["due"] == 1
    assert mentions("EXPQX") == 0
    page = client.get(HOME).content.decode()
    assert f"Esecuzione n. {real.pk}" in page


@pytest.mark.parametrize("which", ["yesterday", "real"])
def test_esegui_needs_a_dry_run_of_today_otherwise_400_and_nothing_runs(
    dpo, client, expired_contact, frozen_now, which, django_capture_on_commit_callbacks
):
    if which == "yesterday":
        run = retention.apply(rome(2026, 12, 2, 18, 0), dry_run=True, by=dpo)
    else:
        run = RetentionRun.objects.create(
            started_at=NOW, dry_run=False, as_of=NOW, report={}, finished_at=NOW
        )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("privacy:retention-apply", args=[run.pk]))
    assert response.status_code == 400 and not callbacks
    assert "Prima fai una prova di oggi" in response.content.decode()
    assert RetentionRun.objects.filter(dry_run=False).count() == (1 if which == "real" else 0)
    assert mentions("EXPQX") > 0
    # A run that cannot be repeated offers no button.
    assert 'action="' + reverse("privacy:retention-apply", args=[run.pk]) not in (
        client.get(reverse("privacy:retention-run", args=[run.pk])).content.decode()
    )


def test_unknown_rules_and_runs_are_404(dpo, client):
    assert client.get(reverse("privacy:retention-rule", args=[999])).status_code == 404
    assert client.get(reverse("privacy:retention-run", args=[999])).status_code == 404
    assert client.post(reverse("privacy:retention-apply", args=[999])).status_code == 404
