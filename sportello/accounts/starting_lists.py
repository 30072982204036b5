"""The starting lists of professions and languages (data: editable in the admin)."""

PROFESSIONS = [
    ("clinical_psychologist", "Psicologo clinico", "Clinical psychologist"),
    ("psychotherapist", "Psicoterapeuta", "Psychotherapist"),
    ("psychotraumatologist", "Psicotraumatologo", "Psychotraumatologist"),
    ("criminologist", "Criminologo", "Criminologist"),
    ("lawyer", "Avvocato", "Lawyer"),
    ("mediator", "Mediatore", "Mediator"),
    ("social_worker", "Assistente sociale", "Social worker"),
]

LANGUAGES = [
    ("it", "Italiano", "Italian"),
    ("en", "Inglese", "English"),
    ("fr", "Francese", "French"),
    ("es", "Spagnolo", "Spanish"),
    ("de", "Tedesco", "German"),
    ("ar", "Arabo", "Arabic"),
    ("zh", "Cinese", "Chinese"),
    ("ro", "Rumeno", "Romanian"),
    ("uk", "Ucraino", "Ukrainian"),
    ("ru", "Russo", "Russian"),
    ("sq", "Albanese", "Albanian"),
    ("tl", "Tagalog", "Tagalog"),
]


def install_professions_and_languages(get_model):
    for model_name, rows in (("Profession", PROFESSIONS), ("Language", LANGUAGES)):
        model = get_model(f"accounts.{model_name}")
        for code, name_it, name_en in rows:
            model.objects.update_or_create(
                code=code, defaults={"name_it": name_it, "name_en": name_en}
            )
