"""pygls's protocol fixed where it would leave a client waiting or leak bookkeeping, and the log filter
that keeps API keys out of every log record."""

from __future__ import annotations

import logging
from collections.abc import Generator
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams, JsonRpcInvalidRequest
from pygls.protocol import JsonRPCProtocol, LanguageServerProtocol
from pygls.protocol.language_server import lsp_method


class SecretScrubber(logging.Filter):
    """Removes API keys from every log record before a handler writes it.

    pygls logs whole messages (``initialize`` with ``initializationOptions.apiKey`` among them), so
    scrubbing at the handler is the one place that catches every logger.
    """

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        from arb_lsp.privacy import scrub_key

        message = record.getMessage()
        scrubbed = scrub_key(message, None)
        for secret in self.secrets:
            scrubbed = scrubbed.replace(secret, "…REDACTED")
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


LOG_SCRUBBER = SecretScrubber()


class _Unanswerable:
    """Stands in for a message pygls could not parse; ``handle_message`` ignores it."""

    jsonrpc = "invalid"


class ArbProtocol(LanguageServerProtocol):
    """pygls's protocol, fixed where it would leave a client waiting or leak bookkeeping."""

    def handle_message(self, message: Any) -> None:
        if isinstance(message, dict):
            # Not a JSON-RPC 2.0 message (no or another "jsonrpc"): a request still gets its answer.
            if "id" in message and "method" in message:
                self._send_response(message["id"], None, JsonRpcInvalidRequest().to_response_error())
            return
        if getattr(message, "jsonrpc", None) not in (JsonRPCProtocol.VERSION, _Unanswerable.jsonrpc):
            if getattr(message, "id", None) is not None and getattr(message, "method", None):
                self._send_response(message.id, None, JsonRpcInvalidRequest().to_response_error())
            return
        super().handle_message(message)

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except (JsonRpcInvalidParams, JsonRpcInternalError) as error:
            # pygls raises in the reader and never answers: a request must still get its error.
            if "id" in data and "method" in data:
                invalid = isinstance(error, JsonRpcInvalidParams)
                reply = JsonRpcInvalidParams if invalid else JsonRpcInternalError
                method = data.get("method")
                self._send_response(data["id"], None, reply(f"Invalid params for {method}").to_response_error())
            return _Unanswerable()

    def _execute_handler(self, msg_id: Any, handler: Any, callback: Any, args: Any = None, kwargs: Any = None) -> None:
        def done(future: Any) -> None:
            try:
                callback(future)
            finally:
                # Notifications' futures are never removed by pygls: forget them once finished.
                if self._request_futures.get(msg_id) is future:
                    del self._request_futures[msg_id]

        super()._execute_handler(msg_id, handler, done, args, kwargs)

    @lsp_method(types.SHUTDOWN)
    def lsp_shutdown(self, *args: Any) -> Generator[Any, Any, None]:
        """pygls's shutdown, over a copy of the pending futures: cancelling one can run ``done`` above at
        once, which removes it from the dict pygls iterates ("dictionary changed size during iteration")."""
        if (user_handler := self.fm.features.get(types.SHUTDOWN)) is not None:
            yield user_handler, args, None
        current_id = self.msg_id
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current_id and not future.done():
                future.cancel()
        self._shutdown = True
        return None

    def pending(self) -> int:
        """Requests and notifications whose handling has not finished (a leak shows here first)."""
        return len(self._request_futures)
