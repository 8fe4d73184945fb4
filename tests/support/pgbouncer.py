"""A PgBouncer in transaction pooling mode in front of the test server, as teams run one.

Each transaction may run on another server connection, so nothing may rely on session
state (session advisory locks, SET, LISTEN). PgBouncer refuses to run as root: it runs as
the `postgres` user from a folder that user owns. Debian's `pgbouncer` package is installed
by `.ci/system-packages servers`.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

BINARY = "/usr/sbin/pgbouncer"
START_TIMEOUT_S = 10.0


class PgBouncerUnavailable(RuntimeError):
    """PgBouncer cannot be started here (not installed, or no `postgres` user)."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _config(server: dict[str, str], port: int, folder: Path) -> str:
    host = server.get("host", "127.0.0.1")
    return f"""[databases]
* = host={host} port={server.get("port", "5432")}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "users.txt"}
pool_mode = transaction
max_client_conn = 200
default_pool_size = 20
server_idle_timeout = 600
ignore_startup_parameters = extra_float_digits,options
logfile = {folder / "pgbouncer.log"}
pidfile = {folder / "pgbouncer.pid"}
"""


@contextlib.contextmanager
def running_pgbouncer(server_url: str) -> Iterator[str]:
    """Start PgBouncer before `server_url`'s server; yields its URL (same user and database),
    and stops it afterwards."""
    if not os.path.exists(BINARY):
        raise PgBouncerUnavailable(f"{BINARY} is not installed (Debian package pgbouncer)")
    try:
        owner = pwd.getpwnam("postgres")
    except KeyError as exc:
        raise PgBouncerUnavailable("there is no postgres user to run PgBouncer as") from exc
    server = conninfo_to_dict(server_url)
    user = str(server.get("user", "postgres"))
    folder = Path(tempfile.mkdtemp(prefix="postdesk-pgbouncer-"))
    port = _free_port()
    try:
        (folder / "users.txt").write_text(f'"{user}" ""\n', encoding="utf-8")
        ini = folder / "pgbouncer.ini"
        ini.write_text(_config({k: str(v) for k, v in server.items()}, port, folder), "utf-8")
        os.chmod(folder, 0o755)
        for path in (folder, *folder.iterdir()):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        process = subprocess.Popen(
            ["setpriv", f"--reuid={owner.pw_uid}", f"--regid={owner.pw_gid}", "--init-groups",
             BINARY, str(ini)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            _wait_listening(port, process, folder)
            params = {k: v for k, v in server.items() if k not in ("host", "port", "hostaddr")}
            yield make_conninfo("", host="127.0.0.1", port=str(port), **params)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _wait_listening(port: int, process: subprocess.Popen[bytes], folder: Path) -> None:
    """Until PgBouncer accepts connections (it starts in a few milliseconds)."""
    import time

    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = folder / "pgbouncer.log"
            said = log.read_text(errors="replace") if log.exists() else ""
            raise PgBouncerUnavailable(f"PgBouncer exited at start: {said[-500:]}")
        with socket.socket() as probe:
            probe.settimeout(0.2)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)  # polling a process's port, not synchronising test steps
    raise PgBouncerUnavailable(f"PgBouncer did not listen on port {port} in time")
