"""The starting list of reasons people call for (data: editable in the admin)."""

REASONS = [
    ("bereavement", "Lutto", "Bereavement"),
    ("illness", "Malattia propria o di una persona cara", "Own or a loved one's illness"),
    ("job_loss", "Perdita del lavoro o del reddito", "Loss of job or income"),
    ("isolation", "Isolamento e solitudine", "Isolation and loneliness"),
    ("fear_anxiety", "Paura, ansia, senso di impotenza", "Fear, anxiety, helplessness"),
    ("family_conflict", "Conflitti familiari", "Family conflict"),
    ("violence_suffered", "Violenza subita", "Violence suffered"),
    ("violence_feared", "Violenza temuta o minacciata", "Violence feared or threatened"),
    ("other", "Altro", "Other"),
]


def install_reasons(get_model):
    model = get_model("triage.ContactReason")
    for position, (code, name_it, name_en) in enumerate(REASONS):
        model.objects.update_or_create(
            code=code, defaults={"name_it": name_it, "name_en": name_en, "position": position}
        )
