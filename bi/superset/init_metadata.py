"""Prepare Superset's metadata database in one process (run with bi/superset/.venv's python).

What ``superset db upgrade``, ``superset init`` and ``superset fab create-admin`` /
``reset-password`` do, in one start of the app instead of three (each start takes 5–10 s on a
busy machine). Idempotent: the schema is upgraded to head, roles and permissions are synced only
when ``--sync-roles`` is given (a new metadata database or another Superset version: it is the
slow part), the admin is created or given the password from ``SUPERSET_ADMIN_PASSWORD``.

Usage: python init_metadata.py [--sync-roles] [--admin USERNAME]
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> None:
    sync_roles = "--sync-roles" in argv
    username = argv[argv.index("--admin") + 1] if "--admin" in argv else None

    from flask_migrate import upgrade
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        import superset
        from superset.extensions import appbuilder, db, security_manager

        upgrade(directory=os.path.join(os.path.dirname(superset.__file__), "migrations"))
        if sync_roles:
            appbuilder.add_permissions(update_perms=True)
            security_manager.sync_role_definitions()
        if username is None:
            db.session.commit()
            return
        password = os.environ["SUPERSET_ADMIN_PASSWORD"]
        user = security_manager.find_user(username=username)
        if user is None:
            added = security_manager.add_user(
                username, "Администратор", "Госпаблики", f"{username}@localhost",
                security_manager.find_role("Admin"), password=password,
            )
            if not added:
                sys.exit(f"could not create the Superset admin {username}")
        else:
            security_manager.reset_password(user.id, password)
        db.session.commit()


if __name__ == "__main__":
    main(sys.argv[1:])
