from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie


@ensure_csrf_cookie
def index(request: HttpRequest) -> HttpResponse:
    """The built web app's index.html; until it is built, a plain page with the useful links."""
    built = settings.BASE_DIR / "frontend" / "dist" / "index.html"
    if built.exists():
        return HttpResponse(built.read_text(encoding="utf-8"))
    return render(request, "placeholder.html")
