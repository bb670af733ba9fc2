"""Who is calling: an organization's API key (``Authorization: Bearer crm_…``) or a browser session."""

from __future__ import annotations

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api.keys import api_key_find
from api.models import ApiKey
from crm.models import Role


class ApiKeyPrincipal:
    """The caller behind an API key: acts for its organization only, as a manager (write keys) or
    a viewer (read keys). A ``crm.tenancy.Principal``: it names its roles, so every scoping rule of
    the pages applies to keys unchanged."""

    is_authenticated = True
    is_anonymous = False
    is_superuser = False
    is_staff = False
    is_active = True
    pk = None
    id = None

    def __init__(self, key: ApiKey):
        self.api_key = key
        self.username = f"api-key:{key.prefix}"

    def organization_roles(self) -> dict[int, str]:
        return {self.api_key.organization_id: Role.MANAGER if self.api_key.can_write else Role.VIEWER}

    def __str__(self):
        return self.username

    def get_full_name(self) -> str:
        return str(self.api_key)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    @method_decorator(sensitive_variables("header", "key", "plain"))
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, plain = header.partition(" ")
        if keyword.lower() != self.keyword.lower():
            return None
        plain = plain.strip()
        if not plain:
            raise exceptions.AuthenticationFailed("No API key after “Bearer”.")
        key = api_key_find(plain)
        if key is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked API key.")
        return ApiKeyPrincipal(key), key

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


def actor_of(request):
    """The user to record as having done something (None for an API key: the key is named in the
    timeline note instead)."""
    user = request.user
    return None if isinstance(user, ApiKeyPrincipal) or not user.is_authenticated else user


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """The key in the OpenAPI schema (so the interactive docs can send it)."""

    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "crm_<prefix>_<secret>",
            "description": "An organization API key: `Authorization: Bearer crm_…`.",
        }
