"""Where the work runs: ``local:N`` (a LocalCluster of N worker processes for this run) or
the address of an existing Dask scheduler (``tcp://host:8786``, ``tls://…``)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from moodlelogsmart_gui.pipeline.errors import BadInputError

INSTALL_HINT = (
    'The cluster support is not installed: run pip install "moodlelogsmart-gui[cluster]" '
    "(it adds dask[distributed])."
)
LOCAL = re.compile(r"local:(\d{1,3})")
REMOTE = re.compile(r"(tcp|tls|inproc|ucx|ws|wss)://\S+")


class ClusterError(Exception):
    """The cluster cannot be used; ``str()`` is one sentence for the user."""


@dataclass(frozen=True)
class ClusterAddress:
    """``workers`` processes of a local cluster, or the ``scheduler`` to connect to."""

    text: str
    workers: int | None = None
    scheduler: str | None = None


def parse_address(text: str) -> ClusterAddress:
    """``local:N`` (1 to 256) or a scheduler URL; anything else is refused in one sentence."""
    value = text.strip()
    local = LOCAL.fullmatch(value)
    if local and 1 <= int(local.group(1)) <= 256:
        return ClusterAddress(value, workers=int(local.group(1)))
    if REMOTE.fullmatch(value):
        return ClusterAddress(value, scheduler=value)
    raise BadInputError(
        f"The cluster address '{text}' is not understood: give local:N (N worker processes "
        "on this computer) or a Dask scheduler such as tcp://host:8786."
    )


def require_distributed() -> None:
    """Raise :class:`ClusterError` with what to install when Dask's distributed is missing."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ClusterError(INSTALL_HINT) from None


@contextlib.contextmanager
def _ctrl_c_for_the_driver_only() -> Iterator[None]:
    """Worker processes started inside ignore SIGINT (an ignored signal stays ignored in a
    started process). Ctrl+C in a terminal reaches the whole process group: the driver
    alone stops the run (cancels the tasks, closes the cluster), and the workers print no
    ``KeyboardInterrupt`` tracebacks on the user's terminal."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def open_client(address: ClusterAddress, connect_timeout: float = 30.0) -> Iterator[Any]:
    """A ``distributed.Client`` for the run; a local cluster is started and closed with it."""
    require_distributed()
    from distributed import Client, LocalCluster

    from moodlelogsmart_gui.cluster.driver_watch import ExitWithDriver

    if address.workers is not None:
        with warnings.catch_warnings(), _ctrl_c_for_the_driver_only():
            # the scheduler's HTTP port: another run's may hold 8787 (another one is used)
            warnings.filterwarnings("ignore", message="Port .* is already in use")
            cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=address.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=50,  # logging.CRITICAL: a closing worker's complaints stay out
            )
        try:
            with Client(cluster) as client:  # type: ignore[no-untyped-call]
                client.register_plugin(ExitWithDriver(os.getpid()), name="exit-with-driver")
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(address.scheduler, timeout=connect_timeout)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as err:
        raise ClusterError(
            f"The Dask scheduler {address.scheduler} cannot be reached ({err}); check that it "
            "runs and that this computer may connect to it."
        ) from None
    try:
        yield client
    finally:
        client.close()  # type: ignore[no-untyped-call]
