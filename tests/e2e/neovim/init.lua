-- The tests' init.lua: the README's init.lua (extracted by test_neovim.py into $ARB_LSP_README_INIT,
-- with the checkout path filled in), then the test's own overrides ($ARB_LSP_NVIM_OVERRIDES, JSON)
-- merged into the shipped editors/neovim/lsp/arb_lsp.lua through vim.lsp.config.
dofile(assert(vim.env.ARB_LSP_README_INIT, "ARB_LSP_README_INIT is not set"))

local overrides = vim.env.ARB_LSP_NVIM_OVERRIDES
if overrides and overrides ~= "" then
  vim.lsp.config("arb_lsp", vim.json.decode(overrides))
end

-- Keep headless runs quiet and quick: no swap files, no shada, nothing from the user's setup.
vim.o.swapfile = false
vim.o.shadafile = "NONE"

-- For the tmux tests, which cannot ask Neovim when the server is ready: a file written on attach.
local attached = vim.env.ARB_LSP_NVIM_ATTACHED
if attached and attached ~= "" then
  vim.api.nvim_create_autocmd("LspAttach", {
    callback = function()
      vim.fn.writefile({ "attached" }, attached)
    end,
  })
end
