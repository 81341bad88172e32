"""What ``arb-lsp eval`` prints: the figures per model, per language and per kind of site, as a terminal
table, as JSON (``--json``) or as Markdown (``--markdown``), and one line of advice: which model to set.

The advice: for the sites where the editor asks for the rest of a line (``models.completion``) and those where
it asks for a block (``models.completionBlock``: ``whole_line`` and ``block`` sites, on an emptied line) apart, of the models within :data:`NEAR_POINTS` points of the best exact match, the cheapest (per site asked)
and the fastest (median time to suggestion).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from arb_lsp.commands.terminal import count, table, usd
from arb_lsp.evaluation.score import Result, figures

#: "Within a few points": percentage points of exact match a cheaper or faster model may lose.
NEAR_POINTS = 5


@dataclass(slots=True)
class RunInfo:
    """What the report says about the run besides the figures."""

    root: str
    seed: int | None
    models: list[str]
    shares: dict[str, float]
    requests: int = 0
    cost: float = 0.0
    stop: str | None = None
    interrupted: bool = False
    skipped: dict[str, str] = field(default_factory=dict)  # model -> why it stopped early


@dataclass(frozen=True, slots=True)
class SiteRow:
    file: str
    line: int
    column: int
    end_line: int
    end_column: int | None
    kind: str
    language: str
    truth: str
    results: dict[str, Result]
    #: The editor asks for a block here (``models.completionBlock``), not the rest of one line.
    block: bool = False


def _group(rows: Sequence[SiteRow], model: str, key: str | None = None, value: str | None = None) -> list[Result]:
    return [row.results[model] for row in rows if key is None or getattr(row, key) == value]


def build(info: RunInfo, rows: Sequence[SiteRow]) -> dict[str, Any]:
    """The whole report as data (what ``--json`` prints)."""
    by_model = [{"model": model, **figures(_group(rows, model))} for model in info.models]
    breakdowns: dict[str, list[dict[str, Any]]] = {}
    for key, name in (("language", "byLanguage"), ("kind", "byKind")):
        values = sorted({getattr(row, key) for row in rows})
        breakdowns[name] = [
            {key: value, "model": model, **figures(_group(rows, model, key, value))}
            for value in values
            for model in info.models
        ]
    picked: dict[str, int] = {}
    for row in rows:
        picked[row.kind] = picked.get(row.kind, 0) + 1
    return {
        "root": info.root,
        "seed": info.seed,
        "models": info.models,
        "kinds": {"shares": info.shares, "picked": picked},
        "requests": info.requests,
        "costUsd": round(info.cost, 10),
        "stopped": info.stop,
        "interrupted": info.interrupted,
        "modelsStopped": info.skipped,
        "byModel": by_model,
        **breakdowns,
        "advice": advice(rows, info.models),
        "sites": [
            {
                "file": row.file,
                "line": row.line,
                "column": row.column,
                "endLine": row.end_line,
                "endColumn": row.end_column,
                "kind": row.kind,
                "block": row.block,
                "language": row.language,
                "expected": row.truth,
                "models": {
                    model: {
                        "text": result.text,
                        "replaces": result.replaces,
                        "exact": result.exact,
                        "editSimilarity": round(result.similarity, 4),
                        "shown": result.shown,
                        "syntax": result.syntax,
                        "ms": None if result.ms is None else round(result.ms, 1),
                        "costUsd": round(result.cost, 10),
                        "error": result.error,
                        "skipped": result.skipped,
                    }
                    for model, result in row.results.items()
                },
            }
            for row in rows
        ],
    }


# -- advice -------------------------------------------------------------------------------------------


def _choice(rows: Sequence[SiteRow], models: Sequence[str], block: bool) -> dict[str, Any] | None:
    scored = []
    for model in models:
        group = [row.results[model] for row in rows if row.block == block]
        data = figures(group)
        if data["sites"]:
            scored.append((model, data))
    if not scored:
        return None
    best = max(float(data["exactMatch"] or 0) for _, data in scored)
    if best <= 0:
        return {"setting": _setting(block), "best": 0.0, "cheapest": None, "fastest": None}
    near = [(m, d) for m, d in scored if float(d["exactMatch"] or 0) >= best - NEAR_POINTS / 100]

    def per_site(item: tuple[str, dict[str, Any]]) -> float:
        return float(item[1]["costUsd"]) / int(item[1]["sites"])

    def p50(item: tuple[str, dict[str, Any]]) -> float:
        value = item[1]["msToSuggestionP50"]
        return float(value) if value is not None else float("inf")

    cheapest = min(near, key=lambda item: (per_site(item), p50(item)))
    fastest = min(near, key=lambda item: (p50(item), per_site(item)))
    return {
        "setting": _setting(block),
        "best": best,
        "cheapest": {
            "model": cheapest[0],
            "exactMatch": cheapest[1]["exactMatch"],
            "costPerSiteUsd": per_site(cheapest),
        },
        "fastest": {"model": fastest[0], "exactMatch": fastest[1]["exactMatch"], "msToSuggestionP50": p50(fastest)},
    }


def _setting(block: bool) -> str:
    return "models.completionBlock" if block else "models.completion"


def advice(rows: Sequence[SiteRow], models: Sequence[str]) -> dict[str, Any]:
    return {
        "nearPoints": NEAR_POINTS,
        "singleLine": _choice(rows, models, block=False),
        "block": _choice(rows, models, block=True),
    }


def advice_line(data: dict[str, Any]) -> str:
    parts = []
    for key, what in (("singleLine", "single-line sites"), ("block", "block sites")):
        choice = data.get(key)
        if not choice:
            continue
        if choice["cheapest"] is None:
            parts.append(f"{what}: no model matched exactly, nothing to recommend for {choice['setting']}")
            continue
        cheapest, fastest = choice["cheapest"], choice["fastest"]
        text = (
            f'{what}: set {choice["setting"]} to "{cheapest["model"]}" (the cheapest within '
            f"{data['nearPoints']} points of the best exact match, {choice['best']:.0%}"
        )
        if fastest["model"] != cheapest["model"]:
            text += f'; "{fastest["model"]}" is faster, p50 {fastest["msToSuggestionP50"]:.0f} ms)'
        else:
            text += ", and the fastest)"
        parts.append(text)
    return "Advice: " + ("; ".join(parts) if parts else "nothing was measured.") + "."


# -- text and Markdown --------------------------------------------------------------------------------


def _rate(value: object) -> str:
    return "-" if value is None else f"{float(str(value)):.0%}"


def _ms(value: object) -> str:
    return "-" if value is None else f"{float(str(value)):.0f} ms"


def _model_row(data: dict[str, Any]) -> list[str]:
    return [
        data["model"],
        count(data["sites"]),
        _rate(data["exactMatch"]),
        "-" if data["editSimilarity"] is None else f"{data['editSimilarity']:.2f}",
        _rate(data["shownRate"]),
        _rate(data["repaired"]),
        _ms(data["msToSuggestionP50"]),
        _ms(data["msToSuggestionP95"]),
        count(data["promptTokens"] + data["completionTokens"]),
        usd(data["costUsd"]),
        "-" if data["costPerExactUsd"] is None else usd(data["costPerExactUsd"]),
        count(data["errors"]) + (f" (+{data['skipped']} skipped)" if data["skipped"] else ""),
    ]


MODEL_HEADERS = [
    "MODEL",
    "SITES",
    "EXACT",
    "EDIT SIM",
    "SHOWN",
    "REPAIRED",
    "P50",
    "P95",
    "TOKENS",
    "COST",
    "PER EXACT",
    "ERRORS",
]
SPLIT_HEADERS = ["MODEL", "SITES", "EXACT", "EDIT SIM", "SHOWN", "P50"]


def _split_rows(data: dict[str, Any], name: str, key: str) -> tuple[list[str], list[list[str]]]:
    rows = []
    for entry in data[name]:
        if entry["sites"] or entry["skipped"]:
            full = _model_row(entry)
            rows.append([str(entry[key]), *full[:5], full[6]])
    return [key.upper(), *SPLIT_HEADERS], rows


def _headline(data: dict[str, Any]) -> str:
    picked = ", ".join(f"{kind} {number}" for kind, number in sorted(data["kinds"]["picked"].items()))
    sites = len(data["sites"])
    text = (
        f"{sites} site{'s' if sites != 1 else ''} in {data['root']} ({picked}); {len(data['models'])} model"
        f"{'s' if len(data['models']) != 1 else ''}; {count(data['requests'])} requests, {usd(data['costUsd'])} "
        "billed by OpenRouter"
    )
    estimated = sum(entry["estimatedCosts"] for entry in data["byModel"])
    if estimated:
        text += f" ({estimated} still estimates)"
    return text + "."


def _notes(data: dict[str, Any]) -> list[str]:
    notes = []
    if data["interrupted"]:
        notes.append("Interrupted: the figures cover the sites asked before Ctrl-C.")
    if data["stopped"]:
        notes.append(f"Stopped early: {data['stopped']}.")
    for model, why in data["modelsStopped"].items():
        notes.append(f"{model} stopped early: {why}.")
    return notes


def render_text(data: dict[str, Any]) -> str:
    right = range(1, 12)
    out = [_headline(data), "", table(MODEL_HEADERS, [_model_row(entry) for entry in data["byModel"]], right)]
    for name, key, title in (("byLanguage", "language", "By language"), ("byKind", "kind", "By kind of site")):
        headers, rows = _split_rows(data, name, key)
        out += [title, table(headers, rows, range(2, 7))]
    out += [*_notes(data), advice_line(data["advice"])]
    return "\n".join(out).rstrip("\n") + "\n"


def _markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: range) -> str:
    align = ["---:" if i in right else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def render_markdown(data: dict[str, Any]) -> str:
    headers = [h.title() if h != "P50" and h != "P95" else h for h in MODEL_HEADERS]
    out = ["## arb-lsp eval", "", _headline(data), ""]
    out += [_markdown_table(headers, [_model_row(entry) for entry in data["byModel"]], range(1, 12))]
    for name, key, title in (("byLanguage", "language", "By language"), ("byKind", "kind", "By kind of site")):
        split_headers, rows = _split_rows(data, name, key)
        out += [f"### {title}", "", _markdown_table([h.title() for h in split_headers], rows, range(2, 7))]
    out += [*(f"> {note}\n" for note in _notes(data)), advice_line(data["advice"])]
    return "\n".join(out).rstrip("\n") + "\n"
