"""``get_file``: fetch a file into Keras's cache once, check its hash, extract archives.

Downloads go to a temporary file beside the target and are renamed into place
only once complete and verified, so an interrupted or corrupt download never
leaves a file that a later call would trust. Archives are extracted the same
way (into a temporary folder, then renamed), refusing members that would land
outside the extraction folder.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

from ..datasets._files import keras_home


def resolve_hasher(algorithm, file_hash=None):
    """The hashlib object for ``"sha256"``, ``"md5"`` or ``"auto"`` (64 hex digits: sha256)."""
    if algorithm not in ("auto", "sha256", "md5"):
        raise ValueError(f"`hash_algorithm` must be 'auto', 'sha256' or 'md5', got {algorithm!r}.")
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None and len(file_hash) == 64):
        return hashlib.sha256()
    return hashlib.md5()


def hash_file(fpath, algorithm="sha256", chunk_size=65535):
    """The hex digest of the file at ``fpath``."""
    hasher = resolve_hasher(algorithm)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """True when the file's sha256 or md5 digest (by ``algorithm``) equals ``file_hash``."""
    hasher = resolve_hasher(algorithm, file_hash)
    name = "sha256" if hasher.name == "sha256" else "md5"
    return hash_file(fpath, name, chunk_size) == str(file_hash)


def _inside(root, member_name):
    target = os.path.realpath(os.path.join(root, member_name))
    return target == os.path.realpath(root) or target.startswith(os.path.realpath(root) + os.sep)


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extract a tar (``.tar``, ``.tar.gz``, ``.tar.bz2``) or zip archive into ``path``.

    Returns True when the file was an archive of an accepted format. Members whose
    path would leave ``path`` (absolute paths, ``..``, links) raise ``ValueError``.
    """
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format))
    for fmt in formats:
        if fmt == "tar" and tarfile.is_tarfile(file_path):
            with tarfile.open(file_path) as archive:
                for m in archive.getmembers():
                    if not _inside(path, m.name) or m.issym() or m.islnk():
                        raise ValueError(f"Refusing to extract {m.name!r} from {file_path}: it would "
                                         f"leave {path}.")
                _extract_atomically(path, lambda tmp: archive.extractall(tmp, filter="data"))
            return True
        if fmt == "zip" and zipfile.is_zipfile(file_path):
            with zipfile.ZipFile(file_path) as archive:
                for name in archive.namelist():
                    if not _inside(path, name):
                        raise ValueError(f"Refusing to extract {name!r} from {file_path}: it would "
                                         f"leave {path}.")
                _extract_atomically(path, archive.extractall)
            return True
    return False


def _extract_atomically(path, extract):
    parent = os.path.dirname(os.path.abspath(path)) or "."
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".extracting-", dir=parent)
    try:
        extract(tmp)
        if os.path.isdir(path):
            shutil.rmtree(path)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _cache_folder(cache_dir, cache_subdir):
    base = os.path.expanduser(cache_dir) if cache_dir is not None else keras_home()
    os.makedirs(base, exist_ok=True)
    if not os.access(base, os.W_OK):
        base = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")
    folder = os.path.join(base, cache_subdir)
    os.makedirs(folder, exist_ok=True)
    return folder


def _download(origin, target, file_hash, hash_algorithm):
    """Fetch ``origin`` into a temp file next to ``target``, verify it, then rename it into place."""
    from .progbar import Progbar
    print(f"Downloading data from {origin}")
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".part",
                               dir=os.path.dirname(target))
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(origin, timeout=60) as response:
            total = response.headers.get("Content-Length")
            bar = Progbar(int(total) if total else None, unit_name="bytes")
            done = 0
            for chunk in iter(lambda: response.read(1 << 16), b""):
                out.write(chunk)
                done += len(chunk)
                bar.update(done)
            out.flush()
            os.fsync(out.fileno())
        if file_hash is not None and not validate_file(tmp, file_hash, hash_algorithm):
            raise ValueError(f"Incomplete or corrupted file downloaded from {origin}: its "
                             f"{resolve_hasher(hash_algorithm, file_hash).name} hash does not match "
                             f"{file_hash}. Nothing was saved to {target}.")
        os.replace(tmp, target)
    except (urllib.error.URLError, OSError) as e:
        _remove(tmp)
        reason = getattr(e, "reason", None) or e
        raise OSError(f"URL fetch failure on {origin}: {reason}. If this machine has no network, "
                      f"download the file elsewhere and place it at {target} (get_file then uses "
                      "it without downloading).") from e
    except BaseException:
        _remove(tmp)
        raise


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None,
             force_download=False):
    """Download a file from ``origin`` unless it is already in the cache; return its path.

    Args:
        fname: the file's name in the cache (default: the last part of the URL).
        origin: the URL (``http(s)://``, ``file://``...).
        untar: deprecated; ``extract=True, archive_format="tar"``.
        md5_hash: deprecated; ``file_hash`` with ``hash_algorithm="md5"``.
        file_hash: the expected sha256 or md5 hex digest; a cached file that does
            not match is downloaded again, a download that does not match is refused.
        cache_subdir: the folder under the cache (an absolute path is used as is).
        hash_algorithm: ``"auto"``, ``"sha256"`` or ``"md5"``.
        extract: extract the archive (tar or zip) and return the extraction folder.
        archive_format: ``"auto"``, ``"tar"``, ``"zip"`` or None.
        cache_dir: the cache root (default ``$KERAS_HOME``, else ``~/.keras``).
        force_download: download even when a cached copy exists.

    Returns:
        The path of the file, or of the extraction folder with ``extract``.

    Example:
        >>> path = get_file(origin="https://example.com/data.csv", file_hash="...")
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    folder = _cache_folder(cache_dir, cache_subdir)
    provided = fname is not None
    fname = os.fspath(fname) if provided else os.path.basename(urllib.parse.urlsplit(origin).path)
    if not fname:
        raise ValueError(f"Can't parse the file name from the origin {origin!r}; pass `fname`.")
    if os.sep in fname:
        raise ValueError(f"`fname` must be a file name, not a path (got {fname!r}); use `cache_dir` "
                         "for the folder.")
    if extract or untar:
        if provided and "." in fname:
            target = os.path.join(folder, fname)
            extraction_dir = os.path.join(folder, fname[:fname.find(".")] + "_extracted")
        else:
            target = os.path.join(folder, f"{fname}_archive")
            extraction_dir = os.path.join(folder, fname)
    else:
        target = os.path.join(folder, fname)
    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
        print(f"A local file was found at {target}, but its hash does not match {file_hash}; "
              "downloading it again.")
        download = True
    if download:
        _download(origin, target, file_hash, hash_algorithm)
    if extract or untar:
        fmt = "tar" if untar else archive_format
        if not (os.path.isdir(extraction_dir) and not download) and not extract_archive(
                target, extraction_dir, fmt):
            raise ValueError(f"{target} (from {origin}) is not a {fmt if fmt != 'auto' else 'tar or zip'} "
                             "archive; cannot extract it.")
        return extraction_dir
    return target
