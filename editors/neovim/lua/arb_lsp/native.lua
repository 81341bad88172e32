--- Neovim 0.12+: ghost text from Neovim's own `vim.lsp.inline_completion` instead of this plugin's
--- renderer. Written from its documentation (`:help vim.lsp.inline_completion`, news-0.12): `enable()`,
--- `is_enabled()`, `get()` (accept what is shown; false when nothing is) and `select()` (cycle). It asks
--- on InsertEnter, CursorMovedI and TextChangedP after its own debounce and draws in `ComplHint`; it
--- has no dismiss, no trigger and no partial acceptance, so those keys fall back to their own use.
--- Only 0.11 runs in this project's tests: this path is untested here.
local api = vim.api
local config = require("arb_lsp.config")

local M = {}

--- Enable inline completion in each buffer arb_lsp attaches to, unless ghost text is off there.
---@param group integer
function M.attach_autocmds(group)
  for _, client in ipairs(vim.lsp.get_clients({ name = "arb_lsp" })) do -- attached before setup()
    for bufnr in pairs(client.attached_buffers) do
      M.refresh(bufnr)
    end
  end
  api.nvim_create_autocmd("LspAttach", {
    group = group,
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      if client and client.name == "arb_lsp" then
        vim.lsp.inline_completion.enable(config.enabled_for(args.buf), { bufnr = args.buf })
      end
    end,
  })
end

--- Turn ghost text on or off for `bufnr` (after `:ArbLsp toggle`).
---@param bufnr integer
function M.refresh(bufnr)
  if vim.lsp.inline_completion then
    vim.lsp.inline_completion.enable(config.enabled_for(bufnr), { bufnr = bufnr })
  end
end

--- Whether Neovim's renderer shows a suggestion in the current buffer (its extmark namespace).
function M.is_visible()
  local namespace = api.nvim_get_namespaces()["nvim.lsp.inline_completion"]
  if not namespace then
    return false
  end
  return #api.nvim_buf_get_extmarks(0, namespace, 0, -1, { limit = 1 }) > 0
end

return M
