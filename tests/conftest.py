"""Shared fixtures: one fake OpenRouter per test session (reset before each test), isolated data dirs."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent / "e2e"))

from fake_openrouter import DEFAULT_API_KEY, FakeOpenRouter

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeOpenRouter]:
    with FakeOpenRouter() as fake:
        yield fake


@pytest.fixture
def fake(fake_server: FakeOpenRouter) -> Iterator[FakeOpenRouter]:
    """The session's fake OpenRouter, with no scripts, no recorded requests and default knobs."""
    fake_server.reset()
    yield fake_server
    fake_server.reset()


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the developer's real usage ledger, key or OpenRouter settings."""
    path = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("ARB_LSP_DATA_DIR", str(path))
    for name in ("OPENROUTER_API_KEY", "OPENROUTER_BASE_URL", "OPENROUTER_APP_NAME", "OPENROUTER_APP_URL"):
        monkeypatch.delenv(name, raising=False)
    return path


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A data directory (usage ledger) for CLI runs; created by the CLI itself."""
    return tmp_path / "data"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """An empty working folder for CLI runs."""
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def server_env(fake: FakeOpenRouter | None, data_dir: str, *, key: str | None = DEFAULT_API_KEY) -> dict[str, str]:
    """Environment for an arb-lsp subprocess pointed at the fake."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENROUTER_")}
    env["ARB_LSP_DATA_DIR"] = data_dir
    if fake is not None:
        env["OPENROUTER_BASE_URL"] = fake.base_url
    if key:
        env["OPENROUTER_API_KEY"] = key
    return env
