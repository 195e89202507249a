"""``utils.get_file`` against a local HTTP server on 127.0.0.1 and ``file://`` URLs
(never the internet): caching, hashes, atomic downloads, extraction, errors."""
import hashlib
import io
import os
import tarfile
import zipfile

import pytest

from kerasette.utils import get_file

from .local_http import LocalServer, closed_port


def _tar_bytes(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _zip_bytes(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


DATA = b"a,b\n1,2\n" * 100
FILES = {"data.csv": DATA, "pack.tar.gz": _tar_bytes({"pack/x.txt": b"hello", "pack/y.txt": b"world"}),
         "pack.zip": _zip_bytes({"z/inner.txt": b"zipped"}),
         "evil.tar.gz": _tar_bytes({"../escape.txt": b"nope"})}


@pytest.fixture
def server():
    s = LocalServer(FILES)
    yield s
    s.close()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    return tmp_path / "keras"


def test_downloads_once_then_uses_the_cache(server, home, capsys):
    path = get_file(origin=server.url + "data.csv")
    assert path == str(home / "datasets" / "data.csv") and open(path, "rb").read() == DATA
    assert get_file("data.csv", origin=server.url + "data.csv") == path
    assert server.hits["data.csv"] == 1
    get_file(origin=server.url + "data.csv", force_download=True)
    assert server.hits["data.csv"] == 2
    assert [p for p in os.listdir(home / "datasets") if p.endswith(".part")] == []


def test_hashes_sha256_and_md5(server, home):
    sha, md5 = hashlib.sha256(DATA).hexdigest(), hashlib.md5(DATA).hexdigest()
    path = get_file(origin=server.url + "data.csv", file_hash=sha)
    assert get_file(origin=server.url + "data.csv", md5_hash=md5) == path
    assert server.hits["data.csv"] == 1
    with open(path, "wb") as f:  # a damaged cached copy is fetched again
        f.write(b"damaged")
    get_file(origin=server.url + "data.csv", file_hash=sha)
    assert server.hits["data.csv"] == 2 and open(path, "rb").read() == DATA


def test_a_download_with_the_wrong_hash_is_refused_and_leaves_nothing(server, home):
    with pytest.raises(ValueError, match="hash does not match"):
        get_file(origin=server.url + "data.csv", file_hash="0" * 64)
    assert os.listdir(home / "datasets") == []


@pytest.mark.parametrize("name, inner, text", [("pack.tar.gz", "pack/x.txt", b"hello"),
                                               ("pack.zip", "z/inner.txt", b"zipped")])
def test_extract(server, home, name, inner, text):
    folder = get_file(name, origin=server.url + name, extract=True)
    assert folder == str(home / "datasets" / "pack_extracted")
    assert open(os.path.join(folder, inner), "rb").read() == text
    plain = get_file(origin=server.url + name, extract=True, cache_subdir="other")
    assert plain == str(home / "other" / name) and os.path.isfile(os.path.join(plain, inner))


def test_untar_and_file_urls(tmp_path, home):
    src = tmp_path / "pack.tar.gz"
    src.write_bytes(FILES["pack.tar.gz"])
    folder = get_file("pack", origin=src.as_uri(), untar=True)
    assert folder == str(home / "datasets" / "pack")
    assert open(os.path.join(folder, "pack", "y.txt"), "rb").read() == b"world"


def test_archive_members_that_escape_are_refused(server, home):
    with pytest.raises(ValueError, match="would leave"):
        get_file("evil.tar.gz", origin=server.url + "evil.tar.gz", extract=True)
    assert not (home / "datasets" / "escape.txt").exists() and not (home / "escape.txt").exists()


def test_no_network_names_the_url_and_where_to_put_the_file(home):
    url = f"http://127.0.0.1:{closed_port()}/weights.h5"
    with pytest.raises(OSError) as err:
        get_file(origin=url)
    text = str(err.value)
    assert url in text and str(home / "datasets" / "weights.h5") in text and "place it" in text
    assert os.listdir(home / "datasets") == []


def test_bad_arguments(server, home):
    with pytest.raises(ValueError, match="origin"):
        get_file("x.csv")
    with pytest.raises(ValueError, match="not a path"):
        get_file(os.path.join("sub", "x.csv"), origin=server.url + "data.csv")
    with pytest.raises(ValueError, match="not a tar or zip archive"):
        get_file("data.csv", origin=server.url + "data.csv", extract=True)


@pytest.mark.keras_oracle
def test_same_paths_as_keras(keras_module, server, home, tmp_path):
    (tmp_path / "k").mkdir()  # Keras falls back to /tmp/.keras when cache_dir does not exist yet
    (tmp_path / "o").mkdir()
    for kwargs in ({"origin": server.url + "data.csv"},
                   {"fname": "pack.tar.gz", "origin": server.url + "pack.tar.gz", "extract": True},
                   {"origin": server.url + "pack.zip", "extract": True, "cache_subdir": "z"}):
        theirs = keras_module.utils.get_file(**kwargs, cache_dir=str(tmp_path / "k"))
        ours = get_file(**kwargs, cache_dir=str(tmp_path / "o"))
        assert os.path.relpath(ours, tmp_path / "o") == os.path.relpath(theirs, tmp_path / "k")
