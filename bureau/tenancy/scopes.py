"""Which scope of an API key each route needs: declared once on each view, checked here for every
route, the DRF views (bureau.http.drf.ApiKeyScopeRequired) as the async chat views and /v1.

`read` reads knowledge, documents, assistants and the catalog (a search POST included); `chat`
holds conversations, their messages, attachments and drafted files, and the OpenAI-compatible API;
`write` builds. No scope implies another. A view that declares nothing for a method is closed to
keys, not open; people, admin, settings and audit routes say so explicitly (NOT_FOR_KEYS). What a
key then sees is the selectors' business: it acts as a member of its department, or a builder with
`write` (bureau/tenancy/access.py)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, TypeVar

from django.utils.translation import gettext as _

from bureau.exceptions import PermissionDenied
from bureau.tenancy.access import ApiKeyActor, access_of
from bureau.tenancy.models import ApiScope

NOT_FOR_KEYS: Final = "not_for_keys"
Need = ApiScope | Literal["not_for_keys"]
# HTTP method (upper case) -> what a key needs to use it
Declaration = Mapping[str, Need]

ATTRIBUTE: Final = "api_key_scopes"
_CHANGES = ("POST", "PUT", "PATCH", "DELETE")

# The usual declarations. Builder routes: reading takes `read`, any change `write`.
READ_AND_WRITE: Declaration = {"GET": ApiScope.READ, **dict.fromkeys(_CHANGES, ApiScope.WRITE)}
READ_ONLY: Declaration = {"GET": ApiScope.READ}
CHAT_ONLY: Declaration = dict.fromkeys(("GET", *_CHANGES), ApiScope.CHAT)
NEVER_FOR_KEYS: Declaration = dict.fromkeys(("GET", *_CHANGES), NOT_FOR_KEYS)

View = TypeVar("View", bound=Callable[..., Any])


def api_key_scopes(declaration: Declaration) -> Callable[[View], View]:
    """Declare what a key needs on a function view (DRF views set the `api_key_scopes` attribute)."""

    def declare(view: View) -> View:
        setattr(view, ATTRIBUTE, declaration)
        return view

    return declare


def declaration_of(view: Any) -> Declaration | None:
    """The declaration of a view class, a view instance, a DRF `as_view()` function or a function
    view. Only the view's own counts, never one inherited from a parent class: a new view decides
    for itself."""
    owner: Any
    if isinstance(view, type):
        owner = view
    elif getattr(view, "view_class", None) is not None:
        owner = view.view_class  # the function of as_view(): its class declares
    elif inspect.isfunction(view):
        owner = view  # a function view, or a decorator's wrapper, which copies its attributes
    else:
        owner = type(view)  # a view instance, as DRF's permissions get it
    declaration = vars(owner).get(ATTRIBUTE)
    return declaration if isinstance(declaration, Mapping) else None


def declared_need(view: Any, method: str) -> Need | None:
    """What a key needs for `method` on `view`; None where nothing is declared."""
    method = method.upper()
    if method in ("HEAD", "OPTIONS"):  # they tell what GET would
        method = "GET"
    return (declaration_of(view) or {}).get(method)


def api_key_scope_check(*, actor: Any, view: Any, method: str) -> None:
    """Refuse an API key a route it may not use with this method: PermissionDenied naming the scope
    it lacks, or saying keys are not for this route. Anyone else passes: a person's rights are
    decided by the selectors."""
    if not isinstance(actor, ApiKeyActor):
        return
    need = declared_need(view, method)
    if need is None or need == NOT_FOR_KEYS:
        raise PermissionDenied(_("API keys cannot be used for this: sign in as a person."))
    if need not in (access_of(actor).api_key_scopes or frozenset()):
        raise PermissionDenied(
            _("This API key lacks the “%(scope)s” scope that this needs.") % {"scope": need},
            details={"required_scope": str(need)},
        )
