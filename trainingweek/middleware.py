"""Chinese first: the UI is Simplified Chinese unless the user chose otherwise."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Like Django's LocaleMiddleware, but only an explicit choice (the
    language cookie set by the switcher) changes the language: a browser
    that happens to be set to English still gets the Chinese UI."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _ in settings.LANGUAGES}
        translation.activate(chosen if chosen in supported else settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()


class HealthCheckMiddleware:
    """``GET /healthz`` answers before any other middleware: a container's
    health check calls the server by its loopback address over plain HTTP,
    which the production host check (ALLOWED_HOSTS) and the HTTPS redirect
    rightly refuse for every real page. It says only whether the database
    answers: 200 ``ok`` or 503, nothing else."""

    PATH = "/healthz"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path != self.PATH:
            return self.get_response(request)
        from django.db import connection
        from django.http import HttpResponse

        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception:  # the database is down: the container is unhealthy
            return HttpResponse("database unavailable", status=503, content_type="text/plain")
        return HttpResponse("ok", content_type="text/plain")
