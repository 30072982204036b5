"""The second factor in a real Chromium, in Italian and English: enrolment with a wrong then a
right code, the recovery codes shown once, their page, and verification at the next sign-in;
every page checked with axe-core and photographed."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.conftest import axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, prefix: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}{prefix}/personale/accesso/")
    page.fill("#id_username", "paola")
    page.fill("#id_password", "a-long-test-password")
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def current_code(username: str) -> str:
    device = TOTPDevice.objects.get(user__username=username)
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


@pytest.mark.parametrize("language", ["it", "en"])
def test_enrol_see_the_codes_and_verify_pass_axe_in_both_languages(
    page, live_server, milan, make_staff, settings, language
):
    settings.SPORTELLO_REQUIRE_MFA = True
    prefix = "" if language == "it" else "/en"
    make_staff("professional", "paola")

    sign_in(page, live_server, prefix)
    page.wait_for_url("**/secondo-fattore/attiva/**")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator(".mfa-qr svg").count() == 1
    assert axe_violations(page) == []
    screenshot(page, f"mfa-enrol-{language}")

    page.fill("#id_code", "000000" if current_code("paola") != "000000" else "111111")
    page.click("main form button[type=submit]")
    assert page.locator("#form-errors, #id_code_error").first.is_visible()
    assert axe_violations(page) == []
    screenshot(page, f"mfa-enrol-error-{language}")

    page.wait_for_timeout(1500)  # django-otp throttles the next try for a second after a miss
    page.fill("#id_code", current_code("paola"))
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("main code, main li code").count() >= 10
    assert axe_violations(page) == []
    screenshot(page, f"mfa-new-codes-{language}")

    page.goto(f"{live_server.url}{prefix}/personale/secondo-fattore/codici/")
    assert "10" in page.inner_text("#codes-left")
    assert axe_violations(page) == []
    screenshot(page, f"mfa-recovery-codes-{language}")

    page.context.clear_cookies()
    sign_in(page, live_server, prefix)
    page.wait_for_url("**/secondo-fattore/**")
    assert axe_violations(page) == []
    screenshot(page, f"mfa-verify-{language}")
