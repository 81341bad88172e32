"""Unit tests for the completion part of arb_lsp.prompts."""

from __future__ import annotations

import dataclasses

import pytest

from arb_lsp import prompts
from arb_lsp.context import MAX_BLOCK_LINES, CompletionContext, LineIndex, Snippet, build_completion_context
from arb_lsp.prompts import HOLE, completion_max_tokens, completion_messages, completion_prompt, completion_stop

CURSOR = "█"


def make_context(
    source: str,
    language_id: str = "python",
    *,
    multiline: str = "auto",
    neighbours: tuple[Snippet, ...] = (),
    path: str = "src/app.py",
) -> CompletionContext:
    offset = source.index(CURSOR)
    text = source.replace(CURSOR, "")
    return build_completion_context(
        text,
        offset,
        index=LineIndex(text),
        language_id=language_id,
        path=path,
        budget_chars=8000,
        multiline=multiline,
        neighbours=neighbours,
    )


def system_and_user(ctx: CompletionContext) -> tuple[str, str]:
    messages = completion_messages(ctx)
    assert [m["role"] for m in messages] == ["system", "user"]
    return messages[0]["content"], messages[1]["content"]


def test_user_message_shows_the_code_with_the_hole_at_the_cursor() -> None:
    ctx = make_context("def f(x):\n    return █\n\nprint(f(1))\n")
    _, user = system_and_user(ctx)
    assert f"def f(x):\n    return {HOLE}\n\nprint(f(1))\n" in user
    assert user.count(HOLE) >= 1
    assert "Python" in user
    assert "src/app.py" in user


def test_code_with_braces_and_template_syntax_is_shown_verbatim() -> None:
    source = 'const s = `${a}` + "{0}" + "{{x}}";\nfunction f() {█}\n'
    _, user = system_and_user(make_context(source, "typescript", path="web/ü.ts"))
    assert 'const s = `${a}` + "{0}" + "{{x}}";\nfunction f() {' + HOLE + "}\n" in user
    assert "web/ü.ts" in user
    assert "TypeScript" in user


@pytest.mark.parametrize(
    ("language_id", "name"),
    [("python", "Python"), ("go", "Go"), ("rust", "Rust"), ("typescriptreact", "TypeScript (TSX)"), ("zig", "zig")],
)
def test_language_is_named(language_id: str, name: str) -> None:
    _, user = system_and_user(make_context("x█\n", language_id))
    assert f"Language: {name}\n" in user


def test_system_message_states_the_rules() -> None:
    system, _ = system_and_user(make_context("x = █\n"))
    assert HOLE in system
    assert "ONLY" in system
    assert "markdown" in system
    assert "explanation" in system
    assert "repeat" in system
    assert "indentation" in system


def test_single_line_prompt_asks_for_one_line() -> None:
    ctx = make_context("total = compute(█\n", multiline="never")
    _, user = system_and_user(ctx)
    assert prompts.COMPLETION_SINGLE_LINE_RULE in user
    assert "up to" not in user
    assert "rest of the line" in user


def test_block_prompt_asks_for_a_bounded_block() -> None:
    ctx = make_context("def f():\n    █\n")
    _, user = system_and_user(ctx)
    assert f"up to {MAX_BLOCK_LINES} lines" in user
    assert prompts.COMPLETION_SINGLE_LINE_RULE not in user
    assert prompts.COMPLETION_BLOCK_TASK.format(hole=HOLE) in user


@pytest.mark.parametrize(
    ("source", "language_id", "described"),
    [
        ("func f() {\n\tx := 1\n\t█\n}\n", "go", "tabs"),
        ("function f() {\n  g();\n  █\n}\n", "javascript", "2 spaces per level"),
        ("def f():\n    █\n", "python", "4 spaces per level"),
    ],
)
def test_prompt_names_the_indentation_after_the_file(source: str, language_id: str, described: str) -> None:
    _, user = system_and_user(make_context(source, language_id))
    assert described in user
    assert user.index(described) > user.index("</file>")


def test_typed_text_on_the_cursor_line_is_pointed_out() -> None:
    _, user = system_and_user(make_context("    return fo█o_bar\n"))
    assert f"`return fo{HOLE}o_bar`" in user
    assert "`return fo` without retyping it" in user


def test_cursor_line_note_shows_the_windows_as_sent() -> None:
    ctx = make_context('    token = "sk-secret"; x = fo█o\n')
    redacted = dataclasses.replace(ctx, prefix=ctx.prefix.replace("sk-secret", "[REDACTED]"))
    _, user = system_and_user(redacted)
    assert "sk-secret" not in user
    assert f'`token = "[REDACTED]"; x = fo{HOLE}o`' in user


def test_no_cursor_line_note_on_a_blank_line() -> None:
    _, user = system_and_user(make_context("def f():\n    █\n"))
    assert "without retyping" not in user


def test_neighbours_are_included_with_their_path_labels_in_one_context_block() -> None:
    neighbours = (
        Snippet("lib/util.py", "# Path: lib/util.py\ndef helper():\n    return 'é'\n"),
        Snippet("lib/b.py", "# Path: lib/b.py\nB = 2\n"),
    )
    _, user = system_and_user(make_context("import util\n█\n", neighbours=neighbours))
    expected = "<context>\n# Path: lib/util.py\ndef helper():\n    return 'é'\n\n# Path: lib/b.py\nB = 2\n</context>"
    assert expected in user
    # Neighbours come before the file being edited.
    assert user.index("lib/util.py") < user.index("<file>")


def test_no_neighbour_section_without_neighbours() -> None:
    _, user = system_and_user(make_context("x█\n"))
    assert "<context>" not in user and "other files" not in user


@pytest.mark.parametrize("multiline", ["always", "never"])
def test_stop_sequences_are_few_and_never_stop_an_opening_fence(multiline: str) -> None:
    stops = completion_stop(make_context("x = █\n", multiline=multiline))
    assert 1 <= len(stops) <= 4
    assert all(stops)
    opening = "```python\nfoo()"
    assert not any(stop in opening for stop in stops)
    assert any(stop in "foo()\n```" for stop in stops)  # a closing fence stops


def test_single_line_stops_at_a_blank_line_but_not_at_the_first_line_break() -> None:
    stops = completion_stop(make_context("x = █\n", multiline="never"))
    assert "\n\n" in stops
    assert "\n" not in stops


def test_block_stops_survive_one_blank_line_inside_the_block() -> None:
    stops = completion_stop(make_context("def f():\n    █\n"))
    block = "x = 1\n\nreturn x"
    assert not any(stop in block for stop in stops)


@pytest.mark.parametrize(
    ("multiline", "configured", "expected"),
    [
        ("never", 1000, prompts.COMPLETION_SINGLE_LINE_MAX_TOKENS),
        ("never", 10, 10),
        ("always", 1000, prompts.COMPLETION_BLOCK_MAX_TOKENS),
        ("always", 50, 50),
        ("always", 0, prompts.COMPLETION_BLOCK_MAX_TOKENS),
        ("never", -1, prompts.COMPLETION_SINGLE_LINE_MAX_TOKENS),
    ],
)
def test_max_tokens_is_capped_by_the_wanted_shape(multiline: str, configured: int, expected: int) -> None:
    assert completion_max_tokens(make_context("x = █\n", multiline=multiline), configured) == expected


def test_block_budget_exceeds_single_line_budget() -> None:
    assert prompts.COMPLETION_BLOCK_MAX_TOKENS > prompts.COMPLETION_SINGLE_LINE_MAX_TOKENS


def test_templates_are_module_constants() -> None:
    for name in (
        "COMPLETION_SYSTEM_TEMPLATE",
        "COMPLETION_USER_TEMPLATE",
        "COMPLETION_SINGLE_LINE_RULE",
        "COMPLETION_BLOCK_RULE",
        "COMPLETION_NEIGHBOURS_TEMPLATE",
    ):
        assert isinstance(getattr(prompts, name), str)


# --- laid out for prompt caching ------------------------------------------------------------------


def test_single_line_and_block_requests_share_their_system_message() -> None:
    single, _ = system_and_user(make_context("total = compute(█\n", multiline="never"))
    block, _ = system_and_user(make_context("def f():\n    █\n"))
    assert single == block


def _typed(source: str, typed: str) -> tuple[str, str]:
    """The user messages before and after typing ``typed`` at the cursor of a long file."""
    before = completion_prompt(make_context(source, multiline="never")).messages
    after = completion_prompt(make_context(source.replace(CURSOR, typed + CURSOR), multiline="never")).messages
    assert before[0] == after[0]
    return before[1]["content"], after[1]["content"]


LONG_FILE = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(400))


def test_two_requests_typed_one_character_apart_share_the_prompt_up_to_the_cursor_line() -> None:
    source = LONG_FILE + "def total(items):\n    result = sum(it█)\n    return result\n"
    before, after = _typed(source, "e")
    cursor_line = before.index("    result = sum(it")
    assert before[:cursor_line] == after[:cursor_line]
    # More than that: everything up to the cursor is the same text.
    assert after.startswith(before[: before.index(HOLE)])


def test_a_new_line_keeps_the_window_start_and_the_context() -> None:
    neighbours = (Snippet("lib/util.py", "# Path: lib/util.py\ndef helper():\n    return 1\n"),)
    source = LONG_FILE + "def total(items):\n    result = 0\n    █\n"
    first = completion_prompt(make_context(source, neighbours=neighbours)).messages[1]["content"]
    second = completion_prompt(
        make_context(source.replace(CURSOR, "for item in items:\n        " + CURSOR), neighbours=neighbours)
    ).messages[1]["content"]
    shared = first[: first.index("    result = 0")]
    assert second.startswith(shared)
    assert "lib/util.py" in shared and "<file>" in shared


def test_stable_part_ends_before_the_cursor_line_and_is_unchanged_by_typing() -> None:
    source = LONG_FILE + "def total(items):\n    result = sum(it█)\n"
    prompt = completion_prompt(make_context(source, multiline="never"))
    user = prompt.messages[1]["content"]
    stable = user[: prompt.stable_chars]
    assert "    result = sum(it" not in stable
    assert stable.startswith("Language: Python") and "<file>\n" in stable
    again = completion_prompt(make_context(source.replace(CURSOR, "ems" + CURSOR), multiline="never"))
    assert again.messages[1]["content"][: again.stable_chars] == stable


def test_suffix_first_layout_shows_the_code_after_the_cursor_before_the_code_above() -> None:
    ctx = make_context("def f(x):\n    return █\n\nprint(f(1))\n")
    user = completion_prompt(ctx, suffix_first=True).messages[1]["content"]
    assert user.index("print(f(1))") < user.index("def f(x):")
    assert f"    return {HOLE}\n</file>" in user
