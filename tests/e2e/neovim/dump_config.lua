-- `nvim --clean -l dump_config.lua FILE`: print the vim.lsp.Config table FILE returns, and the
-- filetypes this Neovim knows, as JSON on stdout.
local config = dofile(assert(arg[1], "usage: nvim --clean -l dump_config.lua FILE"))
io.stdout:write(vim.json.encode({ config = config, filetypes = vim.fn.getcompletion("", "filetype") }))
