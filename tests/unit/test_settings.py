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


def test_reasoning_and_provider_per_task() -> None:
    settings, problems = parse_settings(
        {
            "reasoning": {"completion": "minimal", "docstring": "high"},
            "provider": {"completion": {"sort": "throughput"}, "explain": {"data_collection": "deny", "zdr": True}},
        }
    )
    assert problems == []
    prefs = settings.preferences()
    assert prefs[TaskType.COMPLETION].reasoning == "minimal" and prefs[TaskType.EXPLAIN].reasoning is None
    assert prefs[TaskType.DOCSTRING].reasoning == "high"
    assert prefs[TaskType.COMPLETION].provider == {"sort": "throughput"}
    assert prefs[TaskType.EXPLAIN].provider == {"data_collection": "deny", "zdr": True}
    assert prefs[TaskType.DOCSTRING].provider is None  # the gateway's default applies


def test_bad_reasoning_or_provider_values_fall_back_with_a_message() -> None:
    settings, problems = parse_settings(
        {"reasoning": {"completion": "lots"}, "provider": {"completion": {"sort": "cheapest"}}}
    )
    assert settings.reasoning.completion is None
    assert settings.preferences()[TaskType.COMPLETION].provider is None, "the latency-first default applies"
    message = settings_message(problems)
    assert message is not None and "reasoning.completion" in message and "provider.completion" in message
