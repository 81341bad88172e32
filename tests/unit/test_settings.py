"""Settings: sources in precedence order, invalid values defaulted with one message, editor-only keys."""

from __future__ import annotations

from arb_lsp.openrouter.routing import Priority, TaskType
from arb_lsp.settings import Settings, parse_settings, settings_message


def test_later_sources_win_and_merge_deeply() -> None:
    settings, problems = parse_settings(
        {"apiKey": "from-env", "baseUrl": "http://127.0.0.1:9/api/v1"},
        {"completion": {"debounceMs": 10, "maxTokens": 50}, "priority": "speed"},
        {"arbLsp": {"completion": {"debounceMs": 20}}},
    )
    assert problems == []
    assert settings.key == "from-env"
    assert settings.base_url == "http://127.0.0.1:9/api/v1"
    assert (settings.completion.debounce_ms, settings.completion.max_tokens) == (20, 50)
    assert settings.priority is Priority.SPEED


def test_invalid_and_unknown_values_fall_back_and_are_named_once() -> None:
    settings, problems = parse_settings(
        {
            "priority": "fastest",
            "completion": {"debounceMs": -1, "enabled": False},
            "docstring": {"style": "epytext"},
            "budget": {"dailyUsd": -3},
            "nonsense": True,
        }
    )
    assert settings.priority is Priority.COST
    assert settings.completion.debounce_ms == Settings().completion.debounce_ms
    assert settings.completion.enabled is False, "valid neighbours of an invalid value are kept"
    assert settings.docstring.style == "google" and settings.budget.daily_usd is None
    message = settings_message(problems)
    assert message is not None and message.count("arb-lsp") == 1
    for name in ("priority", "completion.debounceMs", "docstring.style", "budget.dailyUsd", "nonsense"):
        assert name in message


def test_remote_plain_http_base_url_is_refused() -> None:
    settings, problems = parse_settings({"baseUrl": "http://example.com/api/v1"})
    assert settings.base_url.startswith("https://openrouter.ai")
    assert any("plain http" in p for p in problems)


def test_editor_only_keys_are_ignored_silently() -> None:
    _, problems = parse_settings({"server": {"command": "arb-lsp"}, "trace": {"server": "verbose"}})
    assert problems == []


def test_model_overrides_and_the_key_stays_secret() -> None:
    settings, _ = parse_settings({"models": {"explain": ["a/b", "c/d"]}, "apiKey": "sk-or-v1-secret"})
    assert settings.models_for(TaskType.EXPLAIN) == ("a/b", "c/d")
    assert settings.models_for(TaskType.COMPLETION)[0].endswith(":free")
    assert "sk-or-v1-secret" not in repr(settings) and "sk-or-v1-secret" not in str(settings)
