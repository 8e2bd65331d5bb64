"""The worker's fork server: spares forked from one warm process instead of started cold.

Starting a worker costs about 0.6 s of imports (pandas, numpy, pyarrow) and 0.3 s of
first-use work before it reads a byte of its job; the job itself takes about 0.2 s for a
2,000-event log. The fork server pays the imports once; each spare is then a ``fork`` of it.

``worker --fork-server <jobs-folder>`` (one per app, started by the spare keeper, own session):

1. makes sure it will never run a second thread: OpenBLAS gets one thread and pyarrow's
   jemalloc no background thread (environment, set before either library loads);
2. forks a *probe* child (the server still has one thread and has imported nothing heavy)
   that runs the pipeline once on the shipped sample and reports the modules it imported;
   the server imports them. It never runs a pipeline itself (that starts Arrow's and the
   deflate threads);
3. checks it has exactly one thread (``/proc/self/task``); otherwise it refuses to fork at
   all (prints why, exits 1) and the app starts spares the cold way;
4. listens on a Unix socket in a private 0700 temporary folder, prints one line
   ``{"ready": "<socket>"}`` on stdout and serves until its stdin (the app's pipe) closes;
   then it takes no more requests and exits once its children have ended. The kernel
   SIGKILLs it if the app dies (``PR_SET_PDEATHSIG``; also during its imports, when it does
   not read stdin yet), the probe and every forked worker if the server dies.

Why forking it is safe: ``fork`` copies only the calling thread, so a lock held by another
thread (malloc, Arrow's pools, zlib users) would stay locked in the child forever. The server
checks before every fork that it has no other thread, so no such lock can be held; it never
runs Arrow compute or compression itself (the probe child does that and exits).

``worker --forked <socket> <jobs-folder>`` is a spare's launcher (what the app starts as the
spare's ``QProcess``, in its own session, cheap: no pandas): it sends its stdin, stdout and
stderr to the server (``SCM_RIGHTS``); the server forks a child that takes them as its own,
starts its own session (own process group), asks the kernel to kill it when the server
dies (``PR_SET_PDEATHSIG``) and runs ``worker --spare <jobs-folder>`` (warm-up on the
sample, then the hand-over line on stdin, exactly as a cold spare). The launcher waits and
ends as the child ended (same exit code, or killed by the same signal); SIGTERM, SIGINT,
SIGHUP and SIGCONT sent to it are passed to the child's group. If the launcher is killed
(SIGKILL: the watchdog's last step), the server sees its connection close and SIGKILLs the
child's group at once. If the server cannot be reached the launcher runs the spare itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import socket
import sys
import tempfile
import threading
from pathlib import Path

FORK_SERVER_ARGUMENT = "--fork-server"
FORKED_ARGUMENT = "--forked"
FORK_ARGUMENTS = (FORK_SERVER_ARGUMENT, FORKED_ARGUMENT)
SINGLE_THREAD_ENVIRONMENT = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "JE_ARROW_MALLOC_CONF": "background_thread:false",
}
POLL_SECONDS = 0.1
PR_SET_PDEATHSIG = 1
FORWARDED_SIGNALS = ("SIGTERM", "SIGINT", "SIGHUP", "SIGCONT")


def thread_count() -> int:
    """Threads of this process as the kernel sees them (Python's and the libraries')."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return -1  # unknown: treated as "not safe to fork"


def _run_spare(jobs: str) -> int:
    from moodlelogsmart_gui.jobs.handover import SPARE_ARGUMENT
    from moodlelogsmart_gui.worker import main

    return main([SPARE_ARGUMENT, jobs])


# -- the server ----------------------------------------------------------------------------


def _probe_modules() -> list[str]:
    """Fork a child that runs the warm-up and lists ``sys.modules``; the names it imported.
    Meanwhile (the other core) this process imports the pipeline."""
    read_end, write_end = os.pipe()
    server_pid = os.getpid()
    pid = os.fork()
    if pid == 0:  # the probe: may start threads, never forks, always ends here
        code = 1
        try:
            _die_with(server_pid)
            os.close(read_end)
            from moodlelogsmart_gui.worker_spare import HandOver, warm_up

            warm_up(HandOver(threading.Event()))
            with os.fdopen(write_end, "w", encoding="utf-8") as out:
                out.write("\n".join(sorted(sys.modules)))
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with contextlib.suppress(Exception):
        import moodlelogsmart_gui.pipeline.run  # noqa: F401
    with os.fdopen(read_end, encoding="utf-8") as handle:
        names = handle.read().split()
    os.waitpid(pid, 0)
    return names


def preload() -> int:
    """Import what a job imports (as the probe saw it); the number of modules imported."""
    count = 0
    before = set(sys.modules)
    for name in _probe_modules():
        if name in before or name == "__main__":
            continue
        try:
            __import__(name)
            count += name not in before
        except Exception:  # a module that only loads as part of another; skipped
            continue
    return count


class _Server:
    def __init__(self, jobs: str, folder: str) -> None:
        self.jobs = jobs
        self.folder = folder
        self.path = os.path.join(folder, "spares.sock")
        self.listener: socket.socket | None = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(16)
        self.children: dict[int, socket.socket] = {}  # child pid -> its launcher's connection
        self.accepting = True
        self.server_pid = os.getpid()
        self.wake_read, self.wake_write = os.pipe()  # SIGCHLD wakes the loop at once
        os.set_blocking(self.wake_write, False)
        signal.set_wakeup_fd(self.wake_write)
        signal.signal(signal.SIGCHLD, lambda _signum, _frame: None)

    def serve(self) -> None:
        while self.accepting or self.children:
            conns = {c.fileno(): c for c in self.children.values() if c.fileno() >= 0}
            watched = [self.wake_read, *conns]
            if self.accepting and self.listener is not None:
                watched += [0, self.listener.fileno()]
            ready, _, _ = select.select(watched, [], [], POLL_SECONDS)
            for fd in ready:
                if fd == self.wake_read:
                    os.read(self.wake_read, 512)
                elif fd == 0:
                    self._read_stdin()
                elif fd in conns:
                    self._launcher_gone(conns[fd])
                elif self.listener is not None:
                    self._accept()
            self._reap()
        self._close_listener()

    def _read_stdin(self) -> None:
        try:
            data = os.read(0, 4096)
        except OSError:
            data = b""
        if not data:  # the app dropped the server (or is gone): no more forks
            self.accepting = False
            self._close_listener()

    def _close_listener(self) -> None:
        if self.listener is not None:
            self.listener.close()
            self.listener = None
            shutil.rmtree(self.folder, ignore_errors=True)

    def _accept(self) -> None:
        assert self.listener is not None
        conn, _ = self.listener.accept()
        try:
            creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
            uid = int.from_bytes(creds[4:8], sys.byteorder)
            message, fds, _flags, _addr = socket.recv_fds(conn, 4096, 3)
            request = json.loads(message or b"null")
        except (OSError, ValueError):
            conn.close()
            return
        try:
            if uid != os.getuid() or len(fds) != 3 or not isinstance(request, dict):
                conn.close()
                return
            if request.get("jobs") != self.jobs:
                conn.close()
                return
            if thread_count() != 1:  # never fork a process with a second thread
                print("fork server: a second thread appeared; no more forks", file=sys.stderr)
                self.accepting = False
                conn.close()
                return
            pid = os.fork()
            if pid == 0:
                self._child(fds, conn)  # never returns
            self.children[pid] = conn
            with contextlib.suppress(OSError):
                conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        finally:
            for fd in fds:
                os.close(fd)

    def _child(self, fds: list[int], own: socket.socket) -> None:
        code = 1
        try:
            os.setpgid(0, 0)  # own group; the server's session: its (lowered) scheduling group
            _die_with(self.server_pid)
            signal.set_wakeup_fd(-1)
            os.close(self.wake_read)
            os.close(self.wake_write)
            if self.listener is not None:
                self.listener.close()
            for conn in [*self.children.values(), own]:
                conn.close()
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
            for fd in fds:
                if fd > 2:
                    os.close(fd)
            for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
                signal.signal(sig, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            os.chdir(self.jobs)
            print(f"spare worker: forked from the fork server {self.server_pid}", file=sys.stderr)
            code = _run_spare(self.jobs)
            sys.stderr.flush()
        finally:
            os._exit(code)

    def _launcher_gone(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            if conn.recv(1):
                return
        for pid, held in list(self.children.items()):
            if held is conn:
                _kill_group(pid)
                conn.close()

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.children.pop(pid, None)
            if conn is None:
                continue
            if os.WIFSIGNALED(status):
                reply = {"signal": os.WTERMSIG(status)}
            else:
                reply = {"exit": os.waitstatus_to_exitcode(status)}
            with contextlib.suppress(OSError):
                conn.sendall(json.dumps(reply).encode() + b"\n")
            conn.close()


def _die_with(parent_pid: int) -> None:
    """Linux: the kernel SIGKILLs this process when its parent ends (no orphaned job)."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent ended before the request took effect
        os._exit(1)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)  # not yet in its own group


def serve(jobs: str) -> int:
    """The fork server's main; see the module docstring."""
    _die_with(os.getppid())  # the app: killed with it even before the loop reads stdin
    for name, value in SINGLE_THREAD_ENVIRONMENT.items():
        os.environ[name] = value
    jobs = str(Path(jobs).absolute())
    if not os.path.isdir(jobs):
        print(f"fork server: no jobs folder {jobs}", file=sys.stderr)
        return 1
    loaded = preload()
    threads = thread_count()
    if threads != 1:
        print(f"fork server: {threads} threads after the imports; no forks", file=sys.stderr)
        return 1
    folder = tempfile.mkdtemp(prefix="moodlelogsmart-spares-")
    server = _Server(jobs, folder)
    try:
        print(f"fork server: {loaded} modules preloaded, one thread", file=sys.stderr, flush=True)
        sys.stdout.write(json.dumps({"ready": server.path}) + "\n")
        sys.stdout.flush()
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        server.serve()
    finally:
        server._close_listener()
    return 0


# -- the launcher ----------------------------------------------------------------------------


def launch(path: str, jobs: str) -> int:
    """A spare's launcher: the server forks the spare, this process mirrors its life."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.settimeout(5.0)
        conn.connect(path)
        socket.send_fds(conn, [json.dumps({"jobs": jobs}).encode()], [0, 1, 2])
        reply = _read_line(conn)
    except OSError:
        reply = None
    pid = reply.get("pid") if isinstance(reply, dict) else None
    if not isinstance(pid, int):  # no server: the launcher becomes the spare itself
        conn.close()
        print("spare worker: no fork server; starting cold", file=sys.stderr, flush=True)
        return _run_spare(jobs)
    for name in FORWARDED_SIGNALS:
        signal.signal(getattr(signal, name), lambda signum, _frame: _pass_on(pid, signum))
    conn.settimeout(None)
    end = _read_line(conn)
    if isinstance(end, dict) and isinstance(end.get("signal"), int):
        signum = int(end["signal"])
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
    if isinstance(end, dict) and isinstance(end.get("exit"), int):
        return int(end["exit"])
    print("spare worker: the fork server ended before the worker", file=sys.stderr)
    return 1


def _pass_on(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def _read_line(conn: socket.socket) -> object:
    data = b""
    while not data.endswith(b"\n"):
        try:
            chunk = conn.recv(4096)
        except InterruptedError:
            continue
        if not chunk:
            return None
        data += chunk
    try:
        return json.loads(data)
    except ValueError:
        return None


def main(args: list[str]) -> int:
    """``--fork-server <jobs>`` or ``--forked <socket> <jobs>``; 1 for anything else."""
    if len(args) == 2 and args[0] == FORK_SERVER_ARGUMENT:
        return serve(args[1])
    if len(args) == 3 and args[0] == FORKED_ARGUMENT:
        return launch(args[1], args[2])
    print("usage: worker --fork-server <jobs> | --forked <socket> <jobs>", file=sys.stderr)
    return 1
