"""Bootstrap for `make run`, `make test` and `make bench`.

Uses DATABASE_URL when set; otherwise starts an embedded PostgreSQL (pgserver) under .data/
for as long as this process lives. Then migrates (template schema included), makes sure the
public site exists, and runs the requested step.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
MANAGE = [PY, str(ROOT / "platform" / "manage.py")]


def _postmaster_running(data: Path) -> bool:
    pid_file = data / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        os.kill(int(pid_file.read_text().split()[0]), 0)
    except (OSError, ValueError, IndexError):
        return False
    return True


def _embedded_database_url() -> tuple[str, object]:
    import pgserver
    from pgserver._commands import pg_ctl

    data = ROOT / ".data" / "pg"
    data.parent.mkdir(parents=True, exist_ok=True)
    started_here = not _postmaster_running(data)
    # We stop the server ourselves: pgserver's own bookkeeping of handles keeps stale entries
    # when a previous run was killed, and would then never stop it.
    server = pgserver.get_server(data, cleanup_mode=None)
    if started_here:
        atexit.register(
            lambda: pg_ctl(["-w", "stop", "-m", "fast"], pgdata=data, user=server.system_user)
        )
    exists = server.psql("SELECT 1 FROM pg_database WHERE datname = 'cercle';")
    if "(1 row)" not in exists:
        server.psql("CREATE DATABASE cercle;")
    parts = urlsplit(server.get_uri())
    return urlunsplit(parts._replace(path="/cercle")), server


def database_url() -> tuple[str, object | None]:
    url = os.environ.get("DATABASE_URL", "")
    if url:
        return url, None
    print("DATABASE_URL is not set: starting the embedded PostgreSQL under .data/pg")
    return _embedded_database_url()


def _run(cmd: list[str], env: dict[str, str]) -> None:
    subprocess.run(cmd, env=env, check=True, cwd=ROOT)


def _prepare(env: dict[str, str]) -> None:
    _run([*MANAGE, "migrate_schemas", "--noinput", "-v", "0"], env)
    _run([*MANAGE, "platform_setup"], env)


def run(env: dict[str, str]) -> int:
    _prepare(env)
    _run([*MANAGE, "demo_seed"], env)
    children: list[subprocess.Popen[bytes]] = []
    if env.get("REDIS_URL"):
        children.append(
            subprocess.Popen(
                [PY, "-m", "celery", "-A", "cercle", "worker", "-l", "info", "--concurrency", "2"],
                env=env, cwd=ROOT / "platform",
            )
        )
    else:
        print("REDIS_URL is not set: background tasks run eagerly inside requests.")
    print("\nCercle: http://localhost:8000/  ·  demo: http://demo.localhost:8000/\n")
    server = subprocess.Popen([*MANAGE, "runserver", "0.0.0.0:8000"], env=env, cwd=ROOT)
    children.append(server)
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


def test(env: dict[str, str], args: list[str]) -> int:
    env.setdefault("DJANGO_SETTINGS_MODULE", "cercle.settings_test")
    return subprocess.run([PY, "-m", "pytest", *args], env=env, cwd=ROOT).returncode


def bench(env: dict[str, str], args: list[str]) -> int:
    _prepare(env)
    return subprocess.run([PY, str(ROOT / "bench" / "run.py"), *args], env=env, cwd=ROOT).returncode


def _exit_on_term(signum: int, _frame: object) -> None:
    # Turn SIGTERM/SIGHUP into a normal exit so children and the embedded server are stopped.
    raise SystemExit(128 + signum)


def main() -> None:
    signal.signal(signal.SIGTERM, _exit_on_term)
    signal.signal(signal.SIGHUP, _exit_on_term)
    step, args = sys.argv[1], sys.argv[2:]
    url, _server = database_url()  # the embedded server lives as long as this process
    env = dict(os.environ, DATABASE_URL=url)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "platform"), str(ROOT), env.get("PYTHONPATH", "")]
    ).rstrip(os.pathsep)
    if step == "run":
        code = run(env)
    elif step == "test":
        code = test(env, args)
    elif step == "bench":
        code = bench(env, args)
    else:
        raise SystemExit(f"unknown step {step!r}")
    raise SystemExit(code)


if __name__ == "__main__":
    main()
