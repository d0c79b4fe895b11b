"""``gospubliki airflow standalone``: Airflow's own ``standalone`` command, reachable from this
machine only.

The api-server binds to ``[api] host`` (``airflow_env`` sets 127.0.0.1). The worker log server has
no host option: Airflow starts it inside ``scheduler`` and ``triggerer`` on every interface
(``airflow/utils/serve_logs/core.py`` passes ``host=""`` to uvicorn), and ``standalone`` has no
flag to skip it. Hand-written, because no configuration does it: the standalone command is run
with its subprocesses given ``--skip-serve-logs``. Nothing is lost locally: the LocalExecutor's
tasks write their log files on this machine and the api-server reads them from there.
"""

from __future__ import annotations

import sys

#: standalone's subcommands that would start a log server on 0.0.0.0
SKIP_SERVE_LOGS = ("scheduler", "triggerer")


def subcommand(name: str, command: list[str]) -> list[str]:
    return [*command, "--skip-serve-logs"] if name in SKIP_SERVE_LOGS and "--skip-serve-logs" not in command else command


def main() -> None:  # pragma: no cover - runs Airflow until Ctrl+C
    import os
    from pathlib import Path

    from airflow.cli.commands import standalone_command

    # standalone starts its parts as `airflow …` from PATH: this environment's Airflow
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")

    class LocalOnlySubCommand(standalone_command.SubCommand):
        def __init__(self, parent, name: str, command: list[str], env: dict[str, str]):
            super().__init__(parent, name, subcommand(name, command), env)

    standalone_command.SubCommand = LocalOnlySubCommand
    standalone_command.StandaloneCommand().run()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
