--- The plugin's options: defaults, the user's `setup(opts)` merged over them, and the rules that say
--- whether ghost text is on for a buffer (globally, per filetype, per buffer).
local M = {}

---@class arb_lsp.Keymaps
---@field accept string|false      accept the whole suggestion (falls back to the key's own use)
---@field accept_word string|false accept the next word
---@field accept_line string|false accept the next line
---@field next string|false        show the next suggestion, when the server returned several
---@field prev string|false        show the previous one
---@field dismiss string|false     hide the suggestion until the next change
---@field trigger string|false     ask now (the only way to ask when `auto_trigger = false`)

---@class arb_lsp.Options
---@field ghost_text boolean        draw the server's inline completions as ghost text
---@field auto_trigger boolean      ask after each change in insert mode (false: only on `trigger`)
---@field filetypes table<string, boolean> filetype = false turns ghost text off there ("*" = default)
---@field keymaps arb_lsp.Keymaps
---@field native boolean|nil        nil: Neovim's own vim.lsp.inline_completion where it exists (0.12+)
---@field enable_server boolean     call vim.lsp.enable("arb_lsp")

---@type arb_lsp.Options
M.defaults = {
  ghost_text = true,
  auto_trigger = true,
  filetypes = {},
  keymaps = {
    accept = "<Tab>",
    accept_word = "<M-Right>",
    accept_line = "<M-C-Right>",
    next = "<M-]>",
    prev = "<M-[>",
    dismiss = "<C-]>",
    trigger = "<M-\\>",
  },
  native = nil,
  enable_server = true,
}

---@type arb_lsp.Options
M.options = vim.deepcopy(M.defaults)

--- Ghost text switched off for the whole session by `:ArbLsp toggle global`.
M.globally_off = false

---@param opts? table
---@return arb_lsp.Options
function M.set(opts)
  M.options = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  return M.options
end

--- Whether ghost text may be shown (and asked for) in `bufnr`.
---@param bufnr integer
function M.enabled_for(bufnr)
  local options = M.options
  if not options.ghost_text or M.globally_off then
    return false
  end
  if vim.b[bufnr].arb_lsp_ghost == false then
    return false
  end
  local by_filetype = options.filetypes[vim.bo[bufnr].filetype]
  if by_filetype == nil then
    by_filetype = options.filetypes["*"]
  end
  return by_filetype ~= false
end

--- True on Neovim 0.12+ (unless `native = false`): vim.lsp.inline_completion draws the ghost text.
function M.use_native()
  if M.options.native == false then
    return false
  end
  return vim.lsp.inline_completion ~= nil
end

return M
