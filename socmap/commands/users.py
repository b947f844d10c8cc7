"""``socmap users add|remove|passwd|list`` and ``socmap audit``.

Passwords come from a prompt (typed twice, never echoed) or, for scripts, one line on
standard input with ``--password-stdin``; never from the command line, where other users of
the machine could read them in the process list.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from geo.accounts import EVENTS, Accounts, Role
from geo.errors import ValidationError
from geo.settings import Settings
from socmap.cli import EXIT_OK
from socmap.commands._common import add_format_argument, print_json

_CLIENT = "cli"


def register(sub: argparse._SubParsersAction) -> None:
    users = sub.add_parser("users", help="people who may sign in to the dashboard")
    actions = users.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="add a user (asks for the password)")
    add.add_argument("name", help="user name: letters, digits, '.', '_', '@' or '-'")
    add.add_argument(
        "--role",
        required=True,
        choices=[r.value for r in Role],
        help="viewer: the public (Part 1) view; analyst: the restricted (Part 2) view too",
    )
    _password_option(add)
    add.set_defaults(handler=_add)

    passwd = actions.add_parser("passwd", help="set a user's password (signs them out)")
    passwd.add_argument("name")
    _password_option(passwd)
    passwd.set_defaults(handler=_passwd)

    remove = actions.add_parser("remove", help="remove a user (signs them out)")
    remove.add_argument("name")
    remove.set_defaults(handler=_remove)

    listing = actions.add_parser("list", help="list users and their roles")
    add_format_argument(listing)
    listing.set_defaults(handler=_list)

    audit = sub.add_parser("audit", help="the audit log: sign-ins, exports, user changes")
    audit.add_argument("--limit", type=int, default=50, help="the latest N entries (0: all)")
    audit.add_argument("--event", choices=EVENTS, help="only this kind of entry")
    audit.add_argument("--user", help="only entries by this user")
    add_format_argument(audit)
    audit.set_defaults(handler=_audit)


def _password_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (for scripts)",
    )


def _add(args: argparse.Namespace, settings: Settings) -> int:
    password = _read_password(args.password_stdin)
    user = Accounts.from_settings(settings).add_user(
        args.name, args.role, password, by=_operator(), client=_CLIENT
    )
    print(f"added {user.name} ({user.role})")
    return EXIT_OK


def _passwd(args: argparse.Namespace, settings: Settings) -> int:
    password = _read_password(args.password_stdin)
    Accounts.from_settings(settings).set_password(
        args.name, password, by=_operator(), client=_CLIENT
    )
    print(f"password changed for {args.name.strip().casefold()}")
    return EXIT_OK


def _remove(args: argparse.Namespace, settings: Settings) -> int:
    Accounts.from_settings(settings).remove_user(args.name, by=_operator(), client=_CLIENT)
    print(f"removed {args.name.strip().casefold()}")
    return EXIT_OK


def _list(args: argparse.Namespace, settings: Settings) -> int:
    users = Accounts.from_settings(settings).list_users()
    if args.format == "json":
        print_json([{"name": u.name, "role": str(u.role), "created_at": u.created_at}
                    for u in users])  # fmt: skip
        return EXIT_OK
    for u in users:
        print(f"{u.name:32} {u.role!s:8} added {u.created_at}")
    print(f"{len(users)} users")
    return EXIT_OK


def _audit(args: argparse.Namespace, settings: Settings) -> int:
    entries = Accounts.from_settings(settings).read(
        limit=max(args.limit, 0), event=args.event, user=args.user
    )
    if args.format == "json":
        print_json([e.__dict__ for e in entries])
        return EXIT_OK
    for e in reversed(entries):  # oldest first, like a log
        detail = " ".join(f"{k}={v}" for k, v in sorted(e.detail.items()))
        print(f"{e.at} {e.event:16} {e.user or '-':24} {e.client or '-':15} {detail}".rstrip())
    return EXIT_OK


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise ValidationError("the two passwords differ; nothing changed")
    return first


def _operator() -> str:
    """Who ran the command, for the audit log: the operating-system account."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"
