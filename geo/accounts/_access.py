"""Which audience a visitor gets, and who a trusted single-sign-on proxy says they are."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from geo.accounts._accounts import Accounts, Role, normalise_name
from geo.disclosure import Audience
from geo.errors import ValidationError
from geo.settings import Settings


@dataclass(frozen=True)
class Identity:
    name: str
    role: Role
    via: str  # "password" or "trusted-header"


def audience_for(role: Role | str | None, settings: Settings) -> Audience | None:
    """The widest audience a visitor may see: None means "sign in first".

    Anonymous visitors get the public view only where the deployment allows it.
    """
    if role is None:
        return Audience.PUBLIC if settings.anonymous_access == "public" else None
    return Audience.RESTRICTED if Role(role) is Role.ANALYST else Audience.PUBLIC


def may_see(role: Role | str | None, audience: Audience | str, settings: Settings) -> bool:
    widest = audience_for(role, settings)
    if widest is None:
        return False
    return Audience(audience) is Audience.PUBLIC or widest is Audience.RESTRICTED


def identity_from_headers(
    headers: Mapping[str, str], settings: Settings, accounts: Accounts | None = None
) -> Identity | None:
    """The user a reverse proxy vouches for, when ``settings.trusted_header`` is set.

    Only safe behind a proxy that removes these headers from every incoming request: anyone
    who can reach the app directly could otherwise send them. The role comes from
    ``trusted_roles_header`` (a comma-separated list; "analyst" grants the restricted view),
    else from the accounts file, else viewer.
    """
    if not settings.trusted_header:
        return None
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        name = normalise_name(lower.get(settings.trusted_header.lower(), ""))
    except ValidationError:
        return None
    role = Role.VIEWER
    if settings.trusted_roles_header:
        roles = lower.get(settings.trusted_roles_header.lower(), "")
        if "analyst" in {r.strip().casefold() for r in roles.split(",")}:
            role = Role.ANALYST
    elif accounts is not None and (user := accounts.get_user(name)) is not None:
        role = user.role
    return Identity(name, role, "trusted-header")
