"""Read input files safely: regular files only, never blocking, never unbounded.

Every input kentaudit reads (audit exports, reference tables, sampling frames,
parameter files, keys) goes through :func:`read_regular`, so a folder, a FIFO
(which would block forever), a device such as ``/dev/zero`` (endless) or a
socket is refused with an :class:`~kentaudit.core.errors.InputError` naming the
file, never a hang or a traceback.
"""
from __future__ import annotations

import os
import stat

from kentaudit.core.errors import InputError

__all__ = ["read_regular", "read_regular_text", "MAX_INPUT_BYTES"]

#: Largest input file read (bytes); far above any audit export kentaudit is for.
MAX_INPUT_BYTES = 4 << 30


def read_regular(path, name: str | None = None, *, rule: str = "unreadable_file") -> bytes:
    """The bytes of a regular file; anything else (folder, FIFO, device, socket) is refused.

    The file is opened without blocking (a FIFO would otherwise wait forever for
    a writer) and checked with ``fstat`` on the open descriptor, so a symlink to
    ``/dev/zero`` is refused before a byte is read.
    """
    name = str(path) if name is None else name
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except IsADirectoryError:
        raise InputError("this is a folder, not a file.", file=name, rule=rule) from None
    except OSError as e:
        raise InputError(f"cannot read the file ({e.strerror or e}).", file=name,
                         rule=rule) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = ("a folder" if stat.S_ISDIR(st.st_mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode)
                    else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                    else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
            raise InputError(f"this is {kind}, not a regular file; kentaudit reads only regular files.",
                             file=name, rule=rule)
        if st.st_size > MAX_INPUT_BYTES:
            raise InputError(f"the file is {st.st_size:,} bytes, more than the {MAX_INPUT_BYTES:,} "
                             "kentaudit reads.", file=name, rule=rule)
        if hasattr(os, "O_NONBLOCK"):
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb") as f:
            fd = None
            return f.read()
    except OSError as e:
        raise InputError(f"cannot read the file ({e.strerror or e}).", file=name,
                         rule=rule) from None
    except MemoryError:
        raise InputError("the file is too large to read into memory.", file=name,
                         rule=rule) from None
    finally:
        if fd is not None:
            os.close(fd)


def read_regular_text(path, name: str | None = None, *, rule: str = "unreadable_file",
                      encoding: str = "utf-8-sig") -> str:
    """:func:`read_regular`, decoded (strictly) with ``encoding``."""
    name = str(path) if name is None else name
    raw = read_regular(path, name, rule=rule)
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as e:
        raise InputError(f"the file is not {encoding.replace('-sig', '').upper()} text (byte 0x{raw[e.start]:02x} "
                         f"at offset {e.start}); save it as UTF-8.", file=name, rule=rule) from None
