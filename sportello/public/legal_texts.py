"""Starting texts of the privacy notice, accessibility statement and legal notes.

They are editable in the admin (coordinator, DPO); the organisation adapts them to its acts.
"""

import datetime

PAGES = {
    "privacy": {
        "title": ("Informativa sul trattamento dei dati personali", "Privacy notice"),
        "intro": (
            "Questa informativa spiega come il Comune tratta i dati delle persone che si rivolgono "
            "allo sportello per le emergenze psicologiche e relazionali, ai sensi degli articoli 13 "
            "e 14 del Regolamento (UE) 2016/679 (GDPR).",
            "This notice explains how the City processes the data of people who contact the "
            "psychological and relational emergency help desk, under Articles 13 and 14 of "
            "Regulation (EU) 2016/679 (GDPR).",
        ),
        "sections": [
            (
                ("Titolare del trattamento", "Data controller"),
                (
                    "Il titolare è il Comune di Milano, Piazza della Scala 2, 20121 Milano, che "
                    "agisce tramite il Settore Sicurezza.",
                    "The controller is the City of Milan, Piazza della Scala 2, 20121 Milan, acting "
                    "through its Security Department.",
                ),
            ),
            (
                ("Responsabile della protezione dei dati", "Data protection officer"),
                (
                    "Puoi contattare il Responsabile della protezione dei dati (RPD/DPO) del Comune "
                    "all'indirizzo email indicato nella sezione privacy del sito istituzionale.",
                    "You can contact the City's Data Protection Officer (DPO) at the email address "
                    "given in the privacy section of the City's website.",
                ),
            ),
            (
                ("Finalità", "Purposes"),
                (
                    "Rispondere alle richieste di aiuto; offrire colloqui di sostegno psicologico e "
                    "orientamento al telefono o in videochiamata; valutare il rischio e attivare, "
                    "quando serve, i servizi di emergenza; inviare la persona ai servizi "
                    "territoriali competenti; organizzare i turni del personale; produrre "
                    "statistiche anonime e aggregate sull'attività.",
                    "Answering requests for help; offering psychological support interviews and "
                    "guidance by phone or video call; assessing risk and, where needed, alerting "
                    "the emergency services; referring people to the competent local services; "
                    "organising staff shifts; producing anonymous, aggregated statistics.",
                ),
            ),
            (
                ("Basi giuridiche", "Legal bases"),
                (
                    "Esecuzione di un compito di interesse pubblico (art. 6, par. 1, lett. e GDPR). "
                    "Per i dati relativi alla salute: finalità di assistenza sanitaria e sociale e "
                    "motivi di interesse pubblico rilevante (art. 9, par. 2, lett. g e h GDPR), e "
                    "tutela degli interessi vitali della persona quando è a rischio (art. 6, par. 1, "
                    "lett. d e art. 9, par. 2, lett. c GDPR). Il consenso informato al colloquio è "
                    "raccolto secondo le regole deontologiche delle professioni coinvolte.",
                    "Performance of a task carried out in the public interest (Art. 6(1)(e) GDPR). "
                    "For health data: health and social care and reasons of substantial public "
                    "interest (Art. 9(2)(g) and (h) GDPR), and protection of the person's vital "
                    "interests when they are at risk (Art. 6(1)(d) and Art. 9(2)(c) GDPR). Informed "
                    "consent to the interviews is collected under the professions' codes of conduct.",
                ),
            ),
            (
                ("Anonimato e dati raccolti", "Anonymity and data collected"),
                (
                    "Puoi restare anonimo. Raccogliamo solo ciò che serve ad aiutarti: un recapito "
                    "se chiedi di essere richiamato, le informazioni che condividi nei colloqui e "
                    "gli esiti degli invii. Le note cliniche sono cifrate e le legge solo chi ti "
                    "segue; ogni accesso alla cartella è registrato.",
                    "You may stay anonymous. We collect only what we need to help you: a contact if "
                    "you ask to be called back, what you share in the interviews and the outcomes "
                    "of referrals. Clinical notes are encrypted and read only by those who follow "
                    "you; every access to the record is logged.",
                ),
            ),
            (
                ("Conservazione", "Retention"),
                (
                    "Le richieste di contatto senza presa in carico sono cancellate dopo 12 mesi; "
                    "le cartelle sono conservate per 5 anni dall'ultimo contatto, salvo obblighi di "
                    "legge diversi; le statistiche aggregate non contengono dati personali.",
                    "Contact requests not followed by a case are deleted after 12 months; case "
                    "records are kept for 5 years after the last contact unless the law requires "
                    "otherwise; aggregated statistics contain no personal data.",
                ),
            ),
            (
                ("Destinatari", "Recipients"),
                (
                    "I dati non sono diffusi. Possono essere comunicati ai servizi territoriali solo "
                    "con il tuo accordo, o ai servizi di emergenza quando c'è un pericolo grave e "
                    "imminente per la vita o l'incolumità.",
                    "Data are never published. They may be shared with local services only with "
                    "your agreement, or with the emergency services when there is a serious and "
                    "imminent danger to life or safety.",
                ),
            ),
            (
                ("I tuoi diritti", "Your rights"),
                (
                    "Puoi chiedere l'accesso ai tuoi dati, la rettifica, la cancellazione, la "
                    "limitazione del trattamento e opporti (articoli 15-21 GDPR), scrivendo al "
                    "Responsabile della protezione dei dati. Puoi presentare reclamo al Garante per "
                    "la protezione dei dati personali (www.garanteprivacy.it).",
                    "You may ask for access to your data, rectification, erasure, restriction of "
                    "processing, and object (Articles 15-21 GDPR) by writing to the Data Protection "
                    "Officer. You may lodge a complaint with the Italian Data Protection Authority "
                    "(www.garanteprivacy.it).",
                ),
            ),
            (
                ("Cookie", "Cookies"),
                (
                    "Il sito usa solo cookie tecnici necessari al funzionamento (sessione e "
                    "protezione dei moduli). Non usa cookie di profilazione né di terze parti.",
                    "The site uses only technical cookies needed for it to work (session and form "
                    "protection). It uses no profiling or third-party cookies.",
                ),
            ),
        ],
    },
    "accessibility": {
        "title": ("Dichiarazione di accessibilità", "Accessibility statement"),
        "intro": (
            "Il Comune si impegna a rendere questo sito accessibile, conformemente alla legge 9 "
            "gennaio 2004, n. 4 e alle Linee guida AgID sull'accessibilità degli strumenti "
            "informatici, che recepiscono la direttiva (UE) 2016/2102.",
            "The City is committed to making this site accessible, in line with Italian Law "
            "4/2004 and the AgID accessibility guidelines, which implement Directive (EU) "
            "2016/2102.",
        ),
        "sections": [
            (
                ("Stato di conformità", "Compliance status"),
                (
                    "Il sito è progettato per essere conforme ai requisiti della norma UNI EN 301549 "
                    "e alle WCAG 2.1 livello AA. Ogni pagina è verificata con strumenti automatici "
                    "(axe-core) e con la navigazione da tastiera prima di ogni rilascio.",
                    "The site is designed to meet EN 301 549 and WCAG 2.1 level AA. Every page is "
                    "checked with automated tools (axe-core) and keyboard navigation before each "
                    "release.",
                ),
            ),
            (
                ("Contenuti non accessibili", "Non-accessible content"),
                (
                    "Non sono noti contenuti non accessibili. Se ne trovi uno, segnalacelo.",
                    "No non-accessible content is known. If you find any, please tell us.",
                ),
            ),
            (
                ("Meccanismo di feedback", "Feedback mechanism"),
                (
                    "Puoi segnalare problemi di accessibilità scrivendo al Comune tramite i "
                    "contatti indicati nel sito istituzionale, o con il modulo di valutazione in "
                    "fondo a ogni pagina.",
                    "You can report accessibility problems by writing to the City through the "
                    "contacts on its website, or with the rating form at the bottom of every page.",
                ),
            ),
            (
                ("Procedura di attuazione", "Enforcement procedure"),
                (
                    "Se la risposta non è soddisfacente o non arriva entro 30 giorni, puoi "
                    "rivolgerti al Difensore civico per il digitale presso AgID.",
                    "If the answer is unsatisfactory or does not arrive within 30 days, you can "
                    "turn to the Digital Ombudsman at AgID.",
                ),
            ),
        ],
    },
    "legal-notes": {
        "title": ("Note legali", "Legal notes"),
        "intro": (
            "I contenuti di questo sito sono del Comune, salvo dove indicato diversamente.",
            "The content of this site belongs to the City unless stated otherwise.",
        ),
        "sections": [
            (
                ("Licenza dei contenuti", "Content licence"),
                (
                    "I testi sono pubblicati con licenza Creative Commons Attribuzione 4.0 "
                    "Internazionale (CC BY 4.0).",
                    "Texts are published under the Creative Commons Attribution 4.0 International "
                    "licence (CC BY 4.0).",
                ),
            ),
            (
                ("Software", "Software"),
                (
                    "Il sito funziona con Sportello, software libero rilasciato con licenza EUPL-1.2 "
                    "(European Union Public Licence).",
                    "The site runs on Sportello, free software released under the EUPL-1.2 "
                    "(European Union Public Licence).",
                ),
            ),
            (
                ("Non è un servizio di emergenza", "Not an emergency service"),
                (
                    "Lo sportello non sostituisce i servizi di emergenza: se tu o qualcun altro "
                    "siete in pericolo, chiama subito il 112.",
                    "The help desk does not replace the emergency services: if you or someone else "
                    "is in danger, call 112 now.",
                ),
            ),
        ],
    },
}


def install_legal_pages(get_model):
    """Create or reset the three pages; used by the data migration and by the tests."""
    LegalPage = get_model("public.LegalPage")
    LegalSection = get_model("public.LegalSection")
    for slug, page in PAGES.items():
        legal_page, _ = LegalPage.objects.update_or_create(
            slug=slug,
            defaults={
                "title_it": page["title"][0],
                "title_en": page["title"][1],
                "intro_it": page["intro"][0],
                "intro_en": page["intro"][1],
                "updated_on": datetime.date(2026, 11, 25),
            },
        )
        legal_page.sections.all().delete()
        for position, ((heading_it, heading_en), (body_it, body_en)) in enumerate(page["sections"]):
            LegalSection.objects.create(
                page=legal_page,
                position=position,
                heading_it=heading_it,
                heading_en=heading_en,
                body_it=body_it,
                body_en=body_en,
            )
