from django.shortcuts import get_object_or_404

from sportello.public.models import LegalPage


def legal_page(slug: str) -> LegalPage:
    return get_object_or_404(LegalPage.objects.prefetch_related("sections"), slug=slug)
