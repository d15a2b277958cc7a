"""Operator commands: `python -m zimage_auth.cli create-admin --email X [--password P] [--display-name N]`.

Runs against the database the environment (or .env) configures; migrate it first (scripts/db.py).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy.exc import DBAPIError
from zimage_common.db import Database
from zimage_common.errors import AppError
from zimage_common.tokens import revocations_for

from zimage_auth.config import Settings
from zimage_auth.users import service
from zimage_auth.users.schemas import DisplayName


class UsageError(Exception):
    """Bad input from the operator; the message says what to fix."""


def _validated(adapter: TypeAdapter[str], value: str, what: str) -> str:
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"].removeprefix("value is not a valid email address: ")
        raise UsageError(f"invalid {what} {value!r}: {reason}") from exc


async def create_admin(settings: Settings, email: str, password: str | None, display_name: str | None) -> int:
    email = _validated(TypeAdapter(EmailStr), email, "email")
    if display_name is not None:
        display_name = _validated(TypeAdapter(DisplayName), display_name, "display name")
    generated = password is None
    new_password = service.generate_password() if password is None else password
    db = Database(settings.resolved_database_url(), settings.database_schema)
    revocations = revocations_for(settings.redis_url, settings.data_dir)
    try:
        async with db.unit_of_work() as session:
            user, created = await service.create_or_promote_admin(
                session,
                revocations=revocations,
                email=email,
                password=new_password,
                display_name=display_name,
            )
    finally:
        await revocations.close()
        await db.dispose()
    if created:
        print(f"created admin {user.email} (id {user.id})")
        if generated:
            print(f"generated password (shown once, store it now): {new_password}")
    else:
        print(f"promoted {user.email} (id {user.id}) to admin; account is active")
        if password is not None:
            print(
                "note: the existing password was kept; --password only applies to new accounts",
                file=sys.stderr,
            )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zimage_auth.cli", description="auth-service commands")
    commands = parser.add_subparsers(dest="command", required=True)
    admin = commands.add_parser("create-admin", help="create an admin account, or promote and activate an existing one")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", help="for a new account; generated and printed if omitted")
    admin.add_argument("--display-name", help="for a new account; defaults to the email's name part")
    args = parser.parse_args(argv)

    try:
        settings = Settings()
    except ValueError as exc:  # pydantic's ValidationError and InsecureSettingsError
        print(f"error: invalid settings: {exc}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(create_admin(settings, args.email, args.password, args.display_name))
    except (UsageError, AppError) as exc:
        print(f"error: {getattr(exc, 'detail', exc)}", file=sys.stderr)
        return 2
    except (DBAPIError, OSError) as exc:
        print(
            f"error: cannot use the auth database ({type(exc).__name__}: {str(exc).splitlines()[0]}); "
            "is it reachable and migrated (python scripts/db.py upgrade)?",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
