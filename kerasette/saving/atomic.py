"""Atomic file replacement: a save either completes or leaves the old file untouched.

The new content is written to a temporary file in the destination's folder
(same filesystem, so the final rename is atomic), flushed and fsynced, then
moved over the destination with ``os.replace``. In a multi-process job only
process 0 writes: the others write into a private temporary folder that is then
removed (every process runs the same code, so collectives inside a writer match). On any error the temporary
file is removed and the destination is left as it was, and a failed write
(a full disk, a file-size limit) is re-raised (same type) with a message naming the file.
A process killed mid-save cannot remove its temporary file: its name carries
the writer's process id, and the next save of the same target removes the
temporary files of writers that no longer run.
"""
from __future__ import annotations

import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; on success it replaces ``path``.

    The caller writes the whole file at the yielded path (with any library that
    takes a path, e.g. ``zipfile`` or ``h5py``) and closes it before the block
    ends.

    Example:
        >>> with atomic_path("model.keras") as tmp:
        ...     write_archive(tmp)
    """
    from ..distribution.multiprocess import is_chief
    path = os.fspath(path)
    if not is_chief():
        with tempfile.TemporaryDirectory() as scratch:
            yield os.path.join(scratch, os.path.basename(path))
        return
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"Cannot save to {path}: the folder {folder} does not exist.")
    name = os.path.basename(path)
    _remove_stale(folder, name)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.{os.getpid()}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        yield tmp
        _fsync_file(tmp)
        os.chmod(tmp, _target_mode(path))
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if type(e) in (OSError, RuntimeError) and path not in str(e):
            errno = getattr(e, "errno", None)
            message = (f"Could not save {path}: writing failed ({os.strerror(errno) if errno else e}); "
                       f"the disk may be full or a file-size limit reached. {path} was left as it was.")
            raise (OSError(errno, message) if errno else type(e)(message)) from e
        raise
    _fsync_dir(folder)


def _remove_stale(folder, name):
    """Delete ``.{name}.<pid>.*.tmp`` files left by writers that are no longer running."""
    prefix = f".{name}."
    with contextlib.suppress(OSError):
        for entry in os.listdir(folder):
            if not (entry.startswith(prefix) and entry.endswith(".tmp")):
                continue
            pid = entry[len(prefix):].split(".", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(folder, entry))


def _running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _fsync_file(path):
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _fsync_dir(folder):
    # Makes the rename itself durable; not possible on every platform.
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _target_mode(path):
    """The permissions the file would get from a plain ``open(path, 'w')``."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
