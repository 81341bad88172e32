"""WorkspaceFiles: the privacy rules every context provider reads through, with the server's own matcher."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from arb_lsp.runtime import build_exclusions
from arb_lsp.settings import Settings
from arb_lsp.workspace_context import files as files_module
from arb_lsp.workspace_context.files import MAX_FILE_BYTES, DiskCache, OpenDocument, WorkspaceFiles


def files_for(*roots: Path, exclude: tuple[str, ...] = (), **kwargs: object) -> WorkspaceFiles:
    matcher = build_exclusions(Settings(exclude=exclude))
    return WorkspaceFiles([str(r) for r in roots], excluded=matcher.is_excluded, **kwargs)  # type: ignore[arg-type]


def test_reads_files_inside_the_roots_and_labels_them_relative(tmp_path: Path) -> None:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "models.py").write_text("class Order: ...\n")
    files = files_for(tmp_path)
    path = str(tmp_path / "shop" / "models.py")
    assert files.read(path) == "class Order: ...\n"
    assert files.relative(path) == "shop/models.py"


def test_never_reads_outside_the_roots(tmp_path: Path) -> None:
    root, outside = tmp_path / "ws", tmp_path / "elsewhere"
    root.mkdir()
    outside.mkdir()
    (outside / "private.py").write_text("SECRET = 1\n")
    files = files_for(root)
    assert files.read(str(outside / "private.py")) is None
    assert files.read(str(root / ".." / "elsewhere" / "private.py")) is None


def test_never_follows_a_symlink_out_of_the_roots(tmp_path: Path) -> None:
    root, outside = tmp_path / "ws", tmp_path / "elsewhere"
    root.mkdir()
    outside.mkdir()
    (outside / "private.py").write_text("SECRET = 1\n")
    os.symlink(outside / "private.py", root / "linked.py")
    os.symlink(outside, root / "linked_dir")
    files = files_for(root)
    assert files.read(str(root / "linked.py")) is None
    assert files.read(str(root / "linked_dir" / "private.py")) is None
    assert files.list_dir(str(root / "linked_dir")) == []


def test_a_symlink_inside_the_roots_to_an_excluded_file_is_not_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TOKEN=abc\n")
    os.symlink(tmp_path / ".env", tmp_path / "settings.py")
    files = files_for(tmp_path)
    assert files.read(str(tmp_path / "settings.py")) is None


def test_excluded_files_are_never_read_defaults_and_setting(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TOKEN=abc\n")
    (tmp_path / "internal").mkdir()
    (tmp_path / "internal" / "keys.py").write_text("KEY = 1\n")
    (tmp_path / "ok.py").write_text("OK = 1\n")
    files = files_for(tmp_path, exclude=("internal/",))
    assert files.read(str(tmp_path / ".env")) is None
    assert files.read(str(tmp_path / "internal" / "keys.py")) is None
    assert files.read(str(tmp_path / "ok.py")) == "OK = 1\n"
    assert [os.path.basename(p) for p in files.list_dir(str(tmp_path))] == ["ok.py"]


def test_several_roots_and_the_innermost_labels(tmp_path: Path) -> None:
    first, second = tmp_path / "api", tmp_path / "web"
    for root in (first, second):
        root.mkdir()
        (root / "m.py").write_text(f"NAME = '{root.name}'\n")
    files = files_for(first, second)
    assert files.read(str(second / "m.py")) == "NAME = 'web'\n"
    assert files.relative(str(second / "m.py")) == "m.py"
    assert files.root_of(str(first / "m.py")) == str(first)


def test_open_buffers_win_over_the_disk(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("OLD = 1\n")
    buffer = OpenDocument(str(path), "python", "NEW = 2\n", 3)
    files = files_for(tmp_path, open_documents={str(path): buffer})
    assert files.read(str(path)) == "NEW = 2\n"


def test_an_excluded_open_buffer_is_not_read(tmp_path: Path) -> None:
    path = str(tmp_path / "id_rsa")
    files = files_for(tmp_path, open_documents={path: OpenDocument(path, "plaintext", "KEY", 1)})
    assert files.read(path) is None


def test_disk_reads_are_cached_until_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("A = 1\n")
    cache = DiskCache()
    files = files_for(tmp_path, cache=cache)
    assert files.read(str(path)) == "A = 1\n"
    assert files.read(str(path)) == "A = 1\n"
    assert cache.reads == 1
    path.write_text("A = 22\n")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert files.read(str(path)) == "A = 22\n"
    assert cache.reads == 2


def test_large_and_binary_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "big.js").write_text("x" * (MAX_FILE_BYTES + 1))
    (tmp_path / "blob.py").write_bytes(b"\0\1\2")
    files = files_for(tmp_path)
    assert files.read(str(tmp_path / "big.js")) is None
    assert files.read(str(tmp_path / "blob.py")) is None


def test_a_file_replaced_by_a_symlink_out_is_not_read_even_right_after_a_read(tmp_path: Path) -> None:
    root, outside = tmp_path / "ws", tmp_path / "elsewhere"
    root.mkdir()
    outside.mkdir()
    (outside / "private.py").write_text("SECRET = 1\n")
    (root / "m.py").write_text("PUBLIC = 1\n")
    cache = DiskCache()
    assert files_for(root, cache=cache).read(str(root / "m.py")) == "PUBLIC = 1\n"
    (root / "m.py").unlink()
    os.symlink(outside / "private.py", root / "m.py")
    files = files_for(root, cache=cache)
    assert not files.exists(str(root / "m.py"))
    assert files.read(str(root / "m.py")) is None


def test_the_disk_cache_is_bounded_by_characters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files_module, "_DISK_CACHE_CHARS", 20)
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text("X = 123456789\n")  # 14 characters each: both do not fit
    cache = DiskCache()
    files = files_for(tmp_path, cache=cache)
    files.read(str(tmp_path / "a.py"))
    files.read(str(tmp_path / "b.py"))
    files.read(str(tmp_path / "b.py"))
    assert cache.reads == 2
    files.read(str(tmp_path / "a.py"))  # evicted by b.py
    assert cache.reads == 3
