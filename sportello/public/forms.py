from django import forms
from django.utils.translation import gettext_lazy as _

from sportello.public.models import PageFeedback


class PageFeedbackForm(forms.ModelForm):
    RATINGS = [(n, n) for n in range(1, 6)]
    REASONS = [
        ("", _("Nessuna in particolare")),
        ("clear", _("Le informazioni erano chiare")),
        ("complete", _("Le informazioni erano complete")),
        ("unclear", _("Alcune informazioni non erano chiare")),
        ("incomplete", _("Mancavano alcune informazioni")),
        ("technical", _("Ho avuto problemi tecnici")),
        ("other", _("Altro")),
    ]

    rating = forms.TypedChoiceField(
        label=_("Quanto sono chiare le informazioni su questa pagina?"),
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Scegli un voto da 1 a 5 stelle."),
            "invalid_choice": _("Scegli un voto da 1 a 5 stelle."),
        },
    )
    reason = forms.ChoiceField(
        label=_("Che cosa ha contato di più nel tuo voto?"), choices=REASONS, required=False
    )
    comment = forms.CharField(
        label=_("Vuoi aggiungere altri dettagli? (facoltativo, senza dati personali)"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 200}),
    )
    page = forms.CharField(max_length=200, widget=forms.HiddenInput)

    class Meta:
        model = PageFeedback
        fields = ["page", "rating", "reason", "comment"]

    def clean_page(self) -> str:
        page = self.cleaned_data["page"]
        if not page.startswith("/") or page.startswith("//"):
            raise forms.ValidationError(_("Pagina non valida."))
        return page
