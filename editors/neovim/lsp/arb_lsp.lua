--- arb-lsp for Neovim 0.11+: OpenRouter's models as completion items, hover explanations and
--- "Generate docstring" code actions.
---
--- Put `editors/neovim` on the runtimepath and enable it:
---
---   vim.opt.runtimepath:append("/path/to/arb-lsp/editors/neovim")
---   vim.lsp.enable("arb_lsp")
---
--- Override any field without copying this file (tables are merged key by key):
---
---   vim.lsp.config("arb_lsp", { settings = { arbLsp = { priority = "quality" } } })
---
--- The API key: the server reads OPENROUTER_API_KEY from its environment, which it inherits from
--- Neovim, so `export OPENROUTER_API_KEY=sk-or-...` before starting nvim is enough. To keep the key
--- elsewhere, pass it as `init_options = { apiKey = ... }` (or `settings.arbLsp.apiKey`); nothing here
--- reads or stores it. OPENROUTER_BASE_URL points the server at another OpenAI-compatible endpoint.
---
--- Settings reach the server three ways, lowest precedence first: the environment, `init_options`
--- (initializationOptions), and `settings.arbLsp` (answered to the server's workspace/configuration
--- pull, pushed again on workspace/didChangeConfiguration). So a value set in `settings` wins over the
--- same one in `init_options`. The defaults below are the server's own; they are spelled out so they
--- can be read and changed in one place. `apiKey`, `baseUrl`, `models.*`, `budget.dailyUsd` and
--- `exclude` have no entry on purpose: an entry would override the environment or the routing table.
---
--- Alone, this config gives completion-menu items (`vim.lsp.completion` or the omnifunc), hover (`K`)
--- and code actions (`gra`). `require("arb_lsp").setup()` (lua/arb_lsp, :help arb_lsp) adds ghost text
--- (textDocument/inlineCompletion): drawn by the plugin on 0.11, Neovim's own on 0.12+.

---@type vim.lsp.Config
return {
  cmd = { "arb-lsp" },
  filetypes = {
    "python",
    "javascript",
    "javascriptreact",
    "typescript",
    "typescriptreact",
    "go",
    "rust",
    "java",
    "c",
    "cpp",
    "cs",
    "kotlin",
    "swift",
    "scala",
    "ruby",
    "php",
    "lua",
    "sh",
    "bash",
    "zsh",
  },
  root_markers = { ".git", "pyproject.toml", "package.json", "go.mod", "Cargo.toml" },
  init_options = {},
  settings = {
    arbLsp = {
      -- "cost" (free models first), "speed" or "quality": picks models from the routing table.
      -- models = { completion = "mistralai/codestral-2508", explain = {...}, docstring = {...} } overrides it.
      priority = "cost",
      completion = {
        enabled = true,
        -- Wait this long after the last keystroke before asking; 0 turns debouncing off.
        debounceMs = 100,
        maxTokens = 256,
        -- "auto" (a block where one is expected), "always" or "never" (single line).
        multiline = "auto",
      },
      hover = { enabled = true, debounceMs = 150 },
      -- "google", "numpy" or "sphinx".
      docstring = { style = "google" },
      -- Scrub tokens and keys from any text before it leaves the machine.
      redactSecrets = true,
      -- budget = { dailyUsd = 0.50 },  -- past it, only free models are used that day
      -- exclude = { "**/secrets/**" }, -- added to the built-in list (.env*, keys, certificates)
    },
  },
}
