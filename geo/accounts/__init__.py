"""Users, roles, sign-in rate limits and the audit log.

Roles: ``viewer`` sees the public (Part 1) view only; ``analyst`` also the restricted (Part 2)
one. Passwords are kept only as salted scrypt hashes (:mod:`geo.accounts._passwords`) and
compared in constant time. Sign-in attempts are limited per user name and per client address
(:mod:`geo.accounts._limits`). Every sign-in, failed or refused sign-in, sign-out, export and
change of users goes into an append-only audit log.

All of it lives in a SQLite file beside the store, ``<db>.accounts.sqlite``, not in the DuckDB
store itself, because:

* the store is replaced by an atomic rename on every load, so a sign-in or an audit entry
  written to it would be lost at the next load, or would have to wait for it;
* the dashboard opens the store read-only, and DuckDB lets only one process write a file,
  while every gunicorn worker must record sign-ins and exports at once;
* SQLite in WAL mode is made for exactly this: many processes, short transactions, readers
  never blocked, and the file survives a reload of the data untouched.
"""

from geo.accounts._access import Identity, audience_for, identity_from_headers, may_see
from geo.accounts._accounts import (
    Accounts,
    Role,
    SignIn,
    User,
    accounts_path,
    normalise_name,
)
from geo.accounts._audit import EVENTS, AuditEntry
from geo.accounts._passwords import DEFAULT_COST, ScryptCost

__all__ = [
    "DEFAULT_COST",
    "EVENTS",
    "Accounts",
    "AuditEntry",
    "Identity",
    "Role",
    "ScryptCost",
    "SignIn",
    "User",
    "accounts_path",
    "audience_for",
    "identity_from_headers",
    "may_see",
    "normalise_name",
]
