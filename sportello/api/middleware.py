from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation


class ApiLanguageMiddleware:
    """API clients choose the language of messages with Accept-Language (Italian by default).

    The site's pages take the language from the address (/en/), which LocaleMiddleware enforces
    for every unprefixed path; the API has no prefix, so it reads the header instead.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith("/api/"):
            return self.get_response(request)
        language = translation.get_language_from_request(request, check_path=False)
        if "HTTP_ACCEPT_LANGUAGE" not in request.META:
            language = "it"
        with translation.override(language):
            request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", language)
            return response
