"""Privacy guards applied before any text leaves the machine.

Three pure steps, each usable alone:

* **Exclusion** — :class:`ExclusionMatcher` decides from a document's path or URI whether it may be sent
  at all. :data:`DEFAULT_EXCLUDES` covers env files, private keys, keystores and credential files.
* **Redaction** — :func:`redact` replaces secrets found *inside* text we do send with
  ``<REDACTED:kind>`` placeholders. Only the secret itself is replaced (quotes, names and the rest of a
  URL stay), so the model still sees code shaped like code.
* **Key scrubbing** — :func:`scrub_key` removes the user's own API key from log lines and error messages.

The modules: :mod:`.exclusion`; :mod:`.redaction` runs the finders of :mod:`.shapes` (secrets by shape) and
:mod:`.names` (secrets by the name they are given), which share :mod:`.findings`; :mod:`.scrubbing`.

Redaction decisions worth knowing (each has a test):

* Provider tokens (OpenAI, OpenRouter, Anthropic, GitHub, GitLab, Slack, Stripe, AWS, Google, Hugging Face,
  npm, PyPI), JWTs, PEM private keys, bearer/basic credentials and passwords in URLs are recognised by shape,
  wherever they appear.
* Anything else counts as a secret only as the *literal* value of a name whose last word is a secret word
  (``password``, ``db_pass``, ``api_key``, ``clientSecret``, ``AUTH_TOKEN``, ...). ``token_type``,
  ``password_field`` or ``public_key`` are not secret names; a call, variable or ``None`` is not a literal.
* Values shorter than 6 characters, values with whitespace, and placeholders are left alone:
  ``"<your key here>"``, ``"${DB_PASSWORD}"``, ``"changeme"``, ``"xxxxxx"``, ``"YOUR_API_KEY"``... A well-known
  placeholder tells nobody anything, and keeping it keeps the model's context intact.
* Unquoted values are trusted as literals on env-style lines (``DB_PASSWORD=hunter2``); elsewhere an
  unquoted identifier (``password: SecretStr``, ``token = user_token``) is treated as code unless it mixes
  letters and digits. So ``password: postgres`` in YAML is kept — it cannot be told apart from a type.
"""

from arb_lsp.privacy.exclusion import DEFAULT_EXCLUDES, ExclusionMatcher
from arb_lsp.privacy.redaction import RedactionResult, redact
from arb_lsp.privacy.scrubbing import SCRUBBED_KEY, scrub_key

__all__ = [
    "DEFAULT_EXCLUDES",
    "SCRUBBED_KEY",
    "ExclusionMatcher",
    "RedactionResult",
    "redact",
    "scrub_key",
]
