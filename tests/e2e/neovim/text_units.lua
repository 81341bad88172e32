-- Run with `nvim --clean -l`: the pure helpers of lua/arb_lsp/text.lua on the cases given as JSON in
-- arg[1]; prints what they return as JSON.
vim.opt.runtimepath:prepend(arg[2])
local text = require("arb_lsp.text")
local out = {}
for _, case in ipairs(vim.json.decode(arg[1])) do
  out[#out + 1] = text[case[1]](unpack(case, 2))
end
io.stdout:write(vim.json.encode(out))
