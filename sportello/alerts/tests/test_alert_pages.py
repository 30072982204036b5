"""The alerts page, its "Ho preso visione" button (with and without htmx) and the header badge."""

import pytest
from django.urls import reverse

from sportello.alerts import operations
from sportello.alerts.models import Alert, AlertEvent
from sportello.testing import rome

NOW = rome(2026, 12, 1, 10, 0)
ROLES = ["switchboard", "professional", "coordinator", "dpo", "management"]


@pytest.fixture
def signed_in(milan, make_staff, client):
    def sign_in(role: str = "coordinator"):
        user = make_staff(role)
        client.force_login(user)
        return user

    return sign_in


@pytest.fixture
def alert_for(frozen_now):
    frozen_now(NOW)

    def raise_(user, number: int = 12):
        (alert,) = operations.raise_alert(
            [user],
            kind="high_risk",
            title=f"Rischio alto: contatto SP-2026-{number:06d}",
            body="Aspetta una presa in carico.",
            link=f"/personale/contatti/{number}/",
            group_key=f"escalation:{number}",
        )
        return alert

    return raise_


@pytest.mark.parametrize("role", ROLES)
def test_every_staff_role_has_its_alerts_page(signed_in, client, role):
    signed_in(role)
    response = client.get(reverse("alerts:list"))
    assert response.status_code == 200
    assert "Nessun avviso da prendere in visione." in response.content.decode()


def test_staff_without_a_role_get_no_alerts_page(milan, client, django_user_model):
    client.force_login(django_user_model.objects.create_user("no-role", password="x" * 20))
    assert client.get(reverse("alerts:list")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in_and_acknowledge_nothing(
    milan, make_staff, alert_for, client
):
    alert = alert_for(make_staff("coordinator"))
    for response in (
        client.get("/personale/avvisi/"),
        client.post(f"/personale/avvisi/{alert.pk}/presa-visione/"),
    ):
        assert response.status_code == 302 and response.url.startswith("/personale/accesso/")
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_the_page_lists_my_alerts_open_first_and_nobody_elses(
    signed_in, make_staff, alert_for, client
):
    me = signed_in()
    seen = alert_for(me, 1)
    operations.acknowledge(me, seen.pk)
    alert_for(me, 2)
    alert_for(make_staff("coordinator"), 3)
    page = client.get(reverse("alerts:list")).content.decode()
    assert page.index("SP-2026-000002") < page.index("SP-2026-000001")
    assert "SP-2026-000003" not in page
    assert page.count("Ho preso visione") == 1
    assert 'href="/personale/contatti/2/"' in page
    assert "Preso in visione da Coordinator il 01/12/2026 10:00." in page


def test_the_staff_header_shows_how_many_alerts_wait_in_words(signed_in, alert_for, client):
    me = signed_in("professional")
    page = client.get(reverse("alerts:list")).content.decode()
    assert 'id="alerts-badge"' in page and "da prendere in visione</span>" not in page
    alert_for(me, 1)
    alert_for(me, 2)
    page = client.get(reverse("alerts:list")).content.decode()
    badge = page[page.index('id="alerts-badge"') :].split("</a>")[0]
    assert "Avvisi" in badge and ">2</span>" in badge and "da prendere in visione" in badge


def test_visitors_see_no_alerts_badge(milan, client):
    assert 'id="alerts-badge"' not in client.get("/").content.decode()


def test_acknowledging_without_javascript_comes_back_to_the_page(
    signed_in, make_staff, alert_for, client
):
    me = signed_in()
    colleague = make_staff("coordinator")
    alert = alert_for(me)
    operations.raise_alert(
        [colleague],
        kind="high_risk",
        title="Rischio alto: contatto SP-2026-000012",
        body="",
        link="",
        group_key="escalation:12",
    )
    response = client.post(reverse("alerts:acknowledge", args=[alert.pk]), follow=True)
    assert response.redirect_chain == [(reverse("alerts:list"), 302)]
    assert "Avviso preso in visione: non verrà più ripetuto." in response.content.decode()
    assert set(Alert.objects.values_list("acknowledged_by", flat=True)) == {me.pk}


def test_acknowledging_with_htmx_swaps_the_alert_and_the_badge(signed_in, alert_for, client):
    me = signed_in()
    alert = alert_for(me, 1)
    alert_for(me, 2)
    response = client.post(
        reverse("alerts:acknowledge", args=[alert.pk]), headers={"HX-Request": "true"}
    )
    fragment = response.content.decode()
    assert response.status_code == 200
    assert fragment.lstrip().startswith(
        f'<li class="border rounded p-3 mb-3" id="alert-{alert.pk}"'
    )
    assert "Preso in visione da Coordinator" in fragment and "Ho preso visione" not in fragment
    assert 'id="alerts-badge" href="/personale/avvisi/" hx-swap-oob="true"' in fragment
    assert ">1</span>" in fragment


def test_a_second_acknowledgement_says_who_saw_it_and_changes_nothing(signed_in, alert_for, client):
    me = signed_in()
    alert = alert_for(me)
    operations.acknowledge(me, alert.pk)
    events = AlertEvent.objects.count()
    page = client.post(reverse("alerts:acknowledge", args=[alert.pk]), follow=True).content.decode()
    assert "già stato preso in visione da Coordinator il 01/12/2026 10:00" in page
    fragment = client.post(
        reverse("alerts:acknowledge", args=[alert.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert 'role="alert">Questo avviso è già stato preso in visione' in fragment
    assert AlertEvent.objects.count() == events


def test_nobody_acknowledges_someone_elses_alert_or_one_that_does_not_exist(
    signed_in, make_staff, alert_for, client
):
    alert = alert_for(make_staff("coordinator"))
    signed_in()
    assert client.post(reverse("alerts:acknowledge", args=[alert.pk])).status_code == 403
    assert client.post(reverse("alerts:acknowledge", args=[alert.pk + 1000])).status_code == 404
    assert client.get(reverse("alerts:acknowledge", args=[alert.pk])).status_code == 405
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
