-- Scenario: `:checkhealth arb_lsp` (and `:ArbLsp status`), and what they say.
local h = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "harness.lua"))

h.run(function()
  h.client()
  local status = require("arb_lsp.commands").status()
  vim.cmd("checkhealth arb_lsp")
  return { lines = h.lines(), filetype = vim.bo.filetype, status = status }
end)
