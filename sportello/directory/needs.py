"""The needs the desk refers for: the directory's own taxonomy (HSDS taxonomy_term), as data.

Installed by a data migration; a coordinator may add or rename terms in the admin."""

from collections.abc import Callable
from typing import Any

TAXONOMY = "sportello-needs"

# code, Italian name, English name
NEEDS = [
    ("mental_health", "Salute mentale", "Mental health"),
    ("family_counselling", "Consulenza familiare", "Family counselling"),
    ("violence_against_women", "Violenza contro le donne", "Violence against women"),
    ("addictions", "Dipendenze", "Addictions"),
    ("social_services", "Servizi sociali", "Social services"),
    ("legal_aid", "Assistenza legale", "Legal aid"),
    ("victim_support", "Sostegno alle vittime di reato", "Victim support"),
    ("housing", "Casa", "Housing"),
    ("work", "Lavoro", "Work"),
    ("bereavement", "Lutto", "Bereavement"),
    ("minors_and_families", "Minori e famiglie", "Children and families"),
    ("elderly", "Anziani", "Older people"),
    ("migrants", "Persone migranti", "Migrants"),
    ("conflict_mediation", "Mediazione dei conflitti", "Conflict mediation"),
]


def install_needs(get_model: Callable[[str, str], Any]) -> int:
    """Add the terms that are missing (by code) and leave the others as the coordinator left
    them; returns how many were added."""
    TaxonomyTerm = get_model("directory", "TaxonomyTerm")
    existing = set(TaxonomyTerm.objects.values_list("code", flat=True))
    missing = [
        TaxonomyTerm(code=code, name_it=name_it, name_en=name_en, taxonomy=TAXONOMY)
        for code, name_it, name_en in NEEDS
        if code not in existing
    ]
    TaxonomyTerm.objects.bulk_create(missing)
    return len(missing)
