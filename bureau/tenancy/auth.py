"""django-allauth adapters: accounts are created by administrators or by single sign-on."""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.http import HttpRequest

from bureau.http import request_context

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.BUREAU_OPEN_SIGNUP)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """A mail server that is down or refuses the message must not turn a password reset into
        a server error; nor may the answer differ from that for an address without an account
        (which gets no mail). The operator finds the failure in the log."""
        try:
            super().send_mail(template_prefix, email, context)
        except OSError:  # smtplib.SMTPException, refused connections and timeouts alike
            logger.exception("Could not send the mail %s", template_prefix)

    def get_client_ip(self, request: HttpRequest) -> str:
        """The address the login throttle counts by: the client behind our trusted proxies (as the
        audit log records it), not the proxy itself, which would pool everyone's failures into one
        count and let one guesser lock the whole organization out."""
        return request_context.client_ip(request) or super().get_client_ip(request)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        # Single sign-on creates the account on first login; a department admin then adds the
        # person to a department. Until then they see nothing.
        return True
