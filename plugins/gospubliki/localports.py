"""A free TCP port on 127.0.0.1 for a server the project or a test starts (an Airflow API server,
a Redis broker, a test's own PostgreSQL).

Not ``bind(("127.0.0.1", 0))``: that hands out a port from the kernel's ephemeral range
(32768–60999 here), the same range every outgoing connection of the other pytest worker takes its
local port from, so between the check and the server's own bind the port can be taken. A random
port below that range, checked free, is not handed out to anyone else by the kernel.
"""

from __future__ import annotations

import random
import socket

LOW, HIGH = 20_000, 32_000


def free_port() -> int:
    for _ in range(200):
        port = random.randrange(LOW, HIGH)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {LOW}–{HIGH} on 127.0.0.1")
