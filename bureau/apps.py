from __future__ import annotations

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """django.contrib.admin with bureau.http.admin_site.AdminSite as its site (behind the main sign-in).
    That module imports allauth, which needs the models loaded: it is read in ready(), not here."""

    default_site = "bureau.http.admin_site.AdminSite"
