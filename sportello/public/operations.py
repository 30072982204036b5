from django.db import transaction

from sportello.public.forms import PageFeedbackForm
from sportello.public.models import PageFeedback


@transaction.atomic
def record_page_feedback(form: PageFeedbackForm, language: str) -> PageFeedback:
    feedback = form.save(commit=False)
    feedback.language = language
    feedback.save()
    return feedback
