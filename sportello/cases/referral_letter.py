"""The referral letter (PDF): the desk's letterhead, the receiving service, the urgency and only
what the person agreed to share. Written in Italian whatever the professional's language: it
goes to an Italian service. The font is vendored (DejaVu Sans) so that any name prints."""

import json
import logging
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from fpdf import FPDF

from sportello.cases import queries
from sportello.cases.models import Referral, ReferralUrgency, SharedItem
from sportello.services import queries as catalogue

# fontTools logs every glyph it keeps when fpdf2 subsets the font: noise in the server's log.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVuSans"


def reference_of(referral: Referral) -> str:
    """What the service quotes when it answers: the referral's number, nothing about the case."""
    return f"INV-{referral.pk:06d}"


def _person_line(referral: Referral) -> str:
    person = referral.case.person
    if SharedItem.IDENTITY in referral.shared and person.identified and person.full_name:
        if person.birth_year:
            return _("%(name)s, nata/o nel %(year)d") % {
                "name": person.full_name,
                "year": person.birth_year,
            }
        return person.full_name
    return _("persona che desidera restare anonima (pseudonimo %(pseudonym)s)") % {
        "pseudonym": person.pseudonym
    }


def _contact_lines(referral: Referral) -> list[str]:
    person = referral.case.person
    lines = []
    if person.phone:
        lines.append(_("Telefono: %(phone)s") % {"phone": person.phone})
    if person.email:
        lines.append(_("Email: %(email)s") % {"email": person.email})
    return lines or [_("La persona non ha lasciato recapiti.")]


def _risk_line(referral: Referral) -> str:
    risk = queries.risk_by_case([referral.case]).get(referral.case_id)
    if risk is None:
        return _("Rischio non valutato.")
    return _("Ultima valutazione del rischio: %(level)s.") % {"level": risk.label}


def agreed_sections(referral: Referral) -> list[tuple[str, str]]:
    """The letter's body as fixed when the person agreed (see Referral.letter_body)."""
    if referral.letter_body:
        return [(heading, text) for heading, text in json.loads(referral.letter_body)]
    return letter_sections(referral)


def freeze_letter(referral: Referral) -> None:
    """Write down the body the person is agreeing to now; called when the referral is made."""
    referral.letter_body = json.dumps(letter_sections(referral), ensure_ascii=False)


def letter_sections(referral: Referral) -> list[tuple[str, str]]:
    """(heading, text) of the letter's body, in order: the person, then each agreed part."""
    shared = set(referral.shared)
    sections = [(_("Persona"), _person_line(referral))]
    if SharedItem.CONTACT in shared:
        sections.append((_("Recapiti"), "\n".join(_contact_lines(referral))))
    if SharedItem.REASON in shared:
        sections.append((_("Motivo dell'invio"), referral.reason))
    if SharedItem.RISK in shared:
        sections.append((_("Valutazione del rischio"), _risk_line(referral)))
    if SharedItem.SUMMARY in shared and referral.summary:
        sections.append((_("Sintesi del percorso"), referral.summary))
    return sections


class _Letter(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(20, 20, 20)
        self.set_auto_page_break(auto=True, margin=20)

    def paragraph(self, text: str, *, size: int = 11, bold: bool = False, after: float = 2) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(after)


def letter_pdf(referral: Referral) -> bytes:
    with override("it"):
        return _render(referral)


def _render(referral: Referral) -> bytes:
    organisation = catalogue.current_organisation()
    service = referral.to_service
    written_on = timezone.localtime(referral.sent_at or catalogue.now(), catalogue.desk_zone())
    author = referral.created_by
    pdf = _Letter()
    pdf.set_title(_("Lettera di invio %(reference)s") % {"reference": reference_of(referral)})
    pdf.set_author(organisation.name_it)
    pdf.add_page()

    pdf.paragraph(organisation.name_it, size=14, bold=True, after=0)
    if organisation.department_it:
        pdf.paragraph(organisation.department_it, after=0)
    if organisation.address:
        pdf.paragraph(organisation.address, size=9, after=0)
    pdf.ln(8)

    pdf.paragraph(
        _("Data: %(date)s · Riferimento %(reference)s")
        % {"date": written_on.strftime("%d/%m/%Y"), "reference": reference_of(referral)}
    )
    recipient = service.name
    if service.organization.name and service.organization.name != service.name:
        recipient = f"{service.name}\n{service.organization.name}"
    pdf.paragraph(_("Alla cortese attenzione di:"), bold=True, after=0)
    pdf.paragraph(recipient, after=4)
    title = (
        _("Lettera di trasferimento interno")
        if service.desk_service_id
        else _("Lettera di invio ai servizi territoriali")
    )
    pdf.paragraph(title, size=13, bold=True)
    pdf.paragraph(
        _("Urgenza: %(urgency)s") % {"urgency": ReferralUrgency(referral.urgency).label},
        bold=True,
        after=4,
    )
    pdf.paragraph(
        _(
            "Vi segnaliamo una persona seguita dal nostro sportello che ha chiesto di essere "
            "accolta dal vostro servizio. Questa lettera contiene soltanto le informazioni che la "
            "persona ha acconsentito a condividere."
        ),
        after=4,
    )
    for heading, text in agreed_sections(referral):
        pdf.paragraph(heading, bold=True, after=0)
        pdf.paragraph(text, after=4)

    pdf.ln(4)
    author_name = author.display_name
    pdf.paragraph(_("Professionista di riferimento: %(name)s") % {"name": author_name}, after=0)
    pdf.paragraph(
        _(
            "Per la risposta (accettazione, rifiuto, data del primo appuntamento) chiamate lo "
            "sportello al numero %(phone)s citando il riferimento %(reference)s."
        )
        % {"phone": organisation.switchboard_number, "reference": reference_of(referral)},
        after=0,
    )
    if organisation.email:
        pdf.paragraph(_("Oppure scrivete a %(email)s.") % {"email": organisation.email}, after=0)
    return bytes(pdf.output())
