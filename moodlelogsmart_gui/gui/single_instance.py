"""One window per data folder: a second launch hands its files to the first and exits.

The first window listens on a QLocalServer whose name is derived from the data folder (and
the user), so two data folders (``MOODLELOGSMART_HOME``) are two independent apps. A second
``moodlelogsmart-gui FILE...`` (or a file opened from the desktop entry's ``%F``) connects,
sends one JSON line ``{"files": [...]}`` with absolute paths, waits for ``ok`` and exits 0.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

CONNECT_MS = 400
REPLY_MS = 1500
MAX_MESSAGE = 1 << 20


def server_name(data_folder: Path) -> str:
    """A short name, the same for every launch on this data folder by this user."""
    key = str(Path(data_folder).expanduser().absolute())
    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "")
    digest = hashlib.sha256(f"{user}\0{key}".encode()).hexdigest()[:20]
    return f"moodlelogsmart-{digest}"


def hand_over(name: str, files: Sequence[Path], *, connect_ms: int = CONNECT_MS) -> bool:
    """Send ``files`` to the window listening on ``name``; True once it said it took them."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(connect_ms):
        return False
    message = json.dumps({"files": [str(Path(f).absolute()) for f in files]}) + "\n"
    socket.write(message.encode("utf-8"))
    if not socket.waitForBytesWritten(REPLY_MS):
        socket.abort()
        return False
    reply = b""
    while b"\n" not in reply and socket.waitForReadyRead(REPLY_MS):
        reply += bytes(socket.readAll().data())
    socket.disconnectFromServer()
    return reply.strip() == b"ok"


class InstanceServer(QObject):
    """Listens for later launches; ``files_received(list[Path])`` for each one."""

    files_received = Signal(list)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_connection)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self) -> bool:
        """Take the name; a socket left by a crashed window is removed first.

        Only called while holding the data folder lock, so no live window owns the name.
        """
        QLocalServer.removeServer(self.name)
        if self._server.listen(self.name):
            return True
        log.warning("single-instance server %s: %s", self.name, self._server.errorString())
        return False

    def close(self) -> None:
        self._server.close()

    def _on_connection(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))

    def _forget(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()

    def _read(self, socket: QLocalSocket) -> None:
        data = self._buffers.get(socket, b"") + bytes(socket.readAll().data())
        if b"\n" not in data:
            if len(data) > MAX_MESSAGE:
                socket.abort()
            else:
                self._buffers[socket] = data
            return
        line = data.split(b"\n", 1)[0]
        self._buffers[socket] = b""
        try:
            files = [Path(str(name)) for name in json.loads(line.decode("utf-8"))["files"]]
        except (ValueError, KeyError, TypeError) as err:
            log.warning("a second launch sent something unreadable: %s", err)
            socket.write(b"error\n")
            socket.flush()
            return
        log.info("a second launch handed over %d file(s)", len(files))
        socket.write(b"ok\n")
        socket.flush()
        self.files_received.emit(files)
