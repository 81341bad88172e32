"""Everything that talks to OpenRouter: the client, its errors, routing, cache, ledger and gateway.

The names below are loaded from their modules on first use (PEP 562): importing one light module of
this package (``errors``, ``routing``, ``cache``) must not import httpx and the pydantic answer types,
which the language server does not need before it has answered ``initialize``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arb_lsp.openrouter.client import (
        DEFAULT_BASE_URL,
        ChatStream,
        OpenRouterClient,
        RetryPolicy,
        base_url_problem,
        get_client,
    )
    from arb_lsp.openrouter.errors import OpenRouterError
    from arb_lsp.openrouter.gateway import Answer, AnswerStream, Gateway
    from arb_lsp.openrouter.ledger import UsageEntry, UsageLedger
    from arb_lsp.openrouter.routing import Priority, TaskType, select_models
    from arb_lsp.openrouter.types import ChatResponse, ModelInfo, StreamResult, Usage

#: Each exported name and the module (of this package) that defines it.
_WHERE = {
    "DEFAULT_BASE_URL": "client",
    "ChatStream": "client",
    "OpenRouterClient": "client",
    "RetryPolicy": "client",
    "base_url_problem": "client",
    "get_client": "client",
    "OpenRouterError": "errors",
    "Answer": "gateway",
    "AnswerStream": "gateway",
    "Gateway": "gateway",
    "UsageEntry": "ledger",
    "UsageLedger": "ledger",
    "Priority": "routing",
    "TaskType": "routing",
    "select_models": "routing",
    "ChatResponse": "types",
    "ModelInfo": "types",
    "StreamResult": "types",
    "Usage": "types",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "DEFAULT_BASE_URL",
    "Answer",
    "AnswerStream",
    "ChatResponse",
    "ChatStream",
    "Gateway",
    "ModelInfo",
    "OpenRouterClient",
    "OpenRouterError",
    "Priority",
    "RetryPolicy",
    "StreamResult",
    "TaskType",
    "Usage",
    "UsageEntry",
    "UsageLedger",
    "base_url_problem",
    "get_client",
    "select_models",
]
