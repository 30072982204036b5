"""The words of the screening: what the professional asks, and how each finding reads."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sportello.triage.risk_rules import FINDING_CODES, RISK_QUESTIONS

# Asked in this order, grouped as the instrument groups them.
SELF_QUESTIONS: dict[str, Promise] = {
    "wish_dead": _(
        "Nelle ultime settimane ha desiderato di essere morto/a, o di addormentarsi e non "
        "svegliarsi più?"
    ),
    "suicidal_thoughts": _("Ha avuto pensieri di togliersi la vita?"),
    "method": _("Ha pensato a come potrebbe farlo?"),
    "intent": _("Ha avuto l'intenzione di mettere in atto questi pensieri?"),
    "plan": _("Ha iniziato a preparare o ha definito i dettagli di come farlo?"),
    "past_attempt": _("Ha mai tentato di togliersi la vita?"),
    "recent_attempt": _("Negli ultimi tre mesi ha fatto qualcosa per togliersi la vita?"),
    "thoughts_now": _("In questo momento sta pensando di togliersi la vita?"),
}
OTHERS_QUESTIONS: dict[str, Promise] = {
    "threats": _("Ha minacciato qualcuno?"),
    "harm_intent": _("Ha intenzione di fare del male a qualcuno?"),
    "weapon_access": _("Ha accesso ad armi o ad altri mezzi pericolosi?"),
    "past_violence": _("Ha commesso violenza in passato?"),
    "named_person_at_risk": _("C'è una persona precisa in pericolo?"),
}
CONTEXT_QUESTIONS: dict[str, Promise] = {
    "act_in_progress": _("È in corso ora un atto che mette qualcuno in pericolo?"),
}
QUESTIONS: dict[str, Promise] = {**SELF_QUESTIONS, **OTHERS_QUESTIONS, **CONTEXT_QUESTIONS}
assert tuple(QUESTIONS) == RISK_QUESTIONS, "every question of the kernel needs its words"

PROTECTIVE_FACTORS: dict[str, Promise] = {
    "support_network": _("Ha una rete di sostegno (familiari, amici)"),
    "reasons_for_living": _("Ha ragioni per vivere (figli, progetti, animali)"),
    "in_care": _("È già seguito/a da un servizio o da un curante"),
    "no_means": _("Non ha accesso a mezzi letali"),
    "help_seeking": _("Chiede aiuto e accetta un piano"),
}

FINDINGS: dict[str, Promise] = {
    "wish_dead": _("desiderio di essere morto/a"),
    "past_violence": _("violenza commessa in passato"),
    "weapon_access": _("accesso ad armi o mezzi pericolosi"),
    "suicidal_thoughts": _("pensieri di suicidio"),
    "method": _("ha pensato a un metodo"),
    "past_attempt": _("tentativo di suicidio in passato"),
    "threats": _("ha minacciato qualcuno"),
    "harm_intent": _("intenzione di fare del male a qualcuno"),
    "intent": _("intenzione di agire"),
    "plan": _("un piano o dei preparativi"),
    "recent_attempt": _("un tentativo o un atto preparatorio negli ultimi tre mesi"),
    "thoughts_now": _("pensieri di suicidio in questo momento"),
    "threats_named_person": _("minacce verso una persona precisa"),
    "harm_intent_named_person": _("intenzione di fare del male a una persona precisa"),
    "threats_weapon_access": _("minacce con accesso ad armi"),
    "harm_intent_weapon_access": _("intenzione di fare del male con accesso ad armi"),
    "thoughts_now_with_intent": _("pensieri di suicidio ora, con l'intenzione di agire"),
    "thoughts_now_with_plan": _("pensieri di suicidio ora, con un piano"),
    "thoughts_now_with_method": _("pensieri di suicidio ora, con un metodo"),
    "act_in_progress": _("un atto pericoloso in corso"),
    "harm_intent_weapon_named_person": _(
        "intenzione di fare del male a una persona precisa, con accesso ad armi"
    ),
}
assert set(FINDINGS) == set(FINDING_CODES), "every finding of the kernel needs its words"
