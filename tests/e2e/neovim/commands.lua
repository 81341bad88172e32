-- Scenario: accept a suggestion, then the :ArbLsp commands and :help arb_lsp, as a user would run them.
local h = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "harness.lua"))

local function float_lines()
  local win = h.float()
  local lines = win and vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(win), 0, -1, false) or {}
  if win then
    vim.api.nvim_win_close(win, true)
  end
  return lines
end

h.run(function()
  h.client()
  local ghost = require("arb_lsp.ghost")
  vim.api.nvim_win_set_cursor(0, { 2, 4 })
  h.type("A")
  h.type("t")
  h.wait_until(ghost.is_visible, "ghost text")
  h.type("<Tab><Esc>")
  h.wait_until(function()
    return vim.api.nvim_get_mode().mode == "n"
  end, "normal mode")
  h.sleep(300) -- the accept command reaches the server
  local result = { completions = vim.fn.getcompletion("ArbLsp ", "cmdline") }
  vim.cmd("ArbLsp usage")
  result.usage = float_lines()
  vim.cmd("ArbLsp doctor")
  result.doctor = float_lines()
  vim.cmd("ArbLsp toggle")
  result.toggled_buffer = vim.b.arb_lsp_ghost
  vim.cmd("ArbLsp toggle global")
  result.globally_off = require("arb_lsp.config").globally_off
  vim.cmd("help arb_lsp")
  result.help = { file = vim.fs.basename(vim.api.nvim_buf_get_name(0)), line = vim.api.nvim_get_current_line() }
  return result
end)
