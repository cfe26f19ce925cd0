"""The Django admin, when BUREAU_DJANGO_ADMIN mounts it (bureau/urls.py): behind the main sign-in.

Its own login form would check the password alone, with neither the second factor nor the login
throttle, and the session it opened would work on the API too. So it has none: signing in goes
through allauth's login (TOTP for those who have it, allauth's rate limits), and the admin lets in
only a session that passed the second factor where the user has one.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def passed_second_factor(request: HttpRequest) -> bool:
    """Whether this session's sign-in included the second factor, for a user who has one. allauth
    records each step of a sign-in in the session; the "mfa" step is there only after the code."""
    user = request.user
    # The kinds allauth's login asks for (allauth.mfa.stages): recovery codes alone are not one.
    if not is_mfa_enabled(user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]):
        return True
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, user))


class AdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and passed_second_factor(request)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.user.is_authenticated:
            # Signed in, but not as active staff, or without the second factor: the main login
            # would only send them back here, since they are signed in.
            if not self.has_permission(request):
                raise PermissionDenied
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("admin:index", current_app=self.name)
        query = urlencode({REDIRECT_FIELD_NAME: next_url}, safe="/")
        return HttpResponseRedirect(f"{resolve_url(settings.LOGIN_URL)}?{query}")
