"""Everything that talks to OpenRouter: the client, its errors, routing, cache, ledger and gateway."""

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
