"""Pseudo-terminals standing in for USB-CDC devices.

``PtyPort`` opens a raw pty pair and publishes the slave under a stable symlink (like
udev's ``/dev/serial/by-id`` links), so that "unplugging" (closing the master) and
"plugging in" again (a new pty, the link moved) look to the driver like a real port
coming and going.
"""

from __future__ import annotations

import os
import tty
from pathlib import Path


class PtyPort:
    def __init__(self, link: Path) -> None:
        self.link = link
        self.master: int | None = None
        self.slave: int | None = None
        self.plug()

    def plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        tty.setraw(master)
        self.master, self.slave = master, slave
        tmp = self.link.with_suffix(".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(os.ttyname(slave))
        tmp.replace(self.link)

    def unplug(self) -> None:
        for fd in (self.master, self.slave):
            if fd is not None:
                os.close(fd)
        self.master = self.slave = None

    def write(self, data: bytes) -> None:
        master = self.master
        if master is None:
            raise OSError("the pseudo-terminal is unplugged")
        os.write(master, data)

    def close(self) -> None:
        self.unplug()
        self.link.unlink(missing_ok=True)
