"""``gospubliki bi``: one read-only login per BI user or tool (docs/security.md, docs/bi-guide.md).

Logins are managed with the admin connection (the embedded server's superuser, or
``GOSPUBLIKI_WAREHOUSE_ADMIN_URL``). A password comes from ``GOSPUBLIKI_BI_PASSWORD`` when set,
else is generated and printed once — it is stored nowhere but in PostgreSQL (as a SCRAM verifier).
"""

from __future__ import annotations

import typer

from gospubliki.terminal import make_console

console = make_console(soft_wrap=True)
bi_app = typer.Typer(help="Read-only BI logins (one per user or tool): add, list, rotate, remove.", no_args_is_help=True)


def _run(action):
    """User errors (bad name, unknown login: BiUserError; a missing privilege) are one line and exit
    code 2 through the app's guard (cli_errors); a privilege PostgreSQL itself refuses says where to look."""
    import psycopg2

    from gospubliki.warehouse import server

    try:
        server.start()
        return action()
    except psycopg2.errors.InsufficientPrivilege as exc:
        console.print(f"[red]not allowed: {str(exc).strip().splitlines()[0]} (docs/security.md)[/]", highlight=False)
        raise typer.Exit(2) from None


def _show_password(name: str, password: str, generated: bool) -> None:
    from gospubliki.warehouse.bi_role import PASSWORD_ENV

    if generated:
        console.print(f"password of {name} (shown once, keep it in the BI tool): {password}", highlight=False, soft_wrap=True)
    else:
        console.print(f"password of {name}: from {PASSWORD_ENV}", highlight=False)


@bi_app.command("add-user")
def add_user(name: str = typer.Argument(..., help="Login name: lowercase Latin letters, digits, _.")) -> None:
    """Create a read-only login for one BI user or tool (password: GOSPUBLIKI_BI_PASSWORD or generated)."""
    from gospubliki.warehouse import bi_role

    password, generated = bi_role.new_password()
    login = _run(lambda: bi_role.add_user(name, password))
    console.print(
        f"BI login {login.name}: reads the marts only; at most {login.connection_limit} connections, "
        f"statements up to {bi_role.STATEMENT_TIMEOUT}",
        highlight=False,
    )
    _show_password(name, password, generated)


@bi_app.command("list")
def list_users() -> None:
    """The BI logins, their connection limit and open sessions."""
    from gospubliki.warehouse import bi_role

    logins = _run(bi_role.list_users)
    if not logins:
        console.print("no BI logins (gospubliki bi add-user NAME)")
    for login in logins:
        console.print(
            f"{login.name}\tconnection limit {login.connection_limit}\tsessions now {login.sessions}", highlight=False
        )


@bi_app.command("remove-user")
def remove_user(name: str = typer.Argument(..., help="A login shown by `gospubliki bi list`.")) -> None:
    """Drop a BI login (its open sessions are ended)."""
    from gospubliki.warehouse import bi_role

    ended = _run(lambda: bi_role.remove_user(name))
    console.print(f"BI login {name} removed ({ended} open sessions ended)", highlight=False)


@bi_app.command("rotate-password")
def rotate_password(name: str = typer.Argument(..., help="A login shown by `gospubliki bi list`.")) -> None:
    """Give a BI login a new password (GOSPUBLIKI_BI_PASSWORD or generated, printed once)."""
    from gospubliki.warehouse import bi_role

    password, generated = bi_role.new_password()
    _run(lambda: bi_role.rotate_password(name, password))
    _show_password(name, password, generated)
