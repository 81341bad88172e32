-- Scenario: on a method's name, the README's <leader>cd mapping (vim.lsp.buf.code_action with
-- apply = true and a "docstring" filter) resolves the action and applies its edit.
local h = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "harness.lua"))

h.run(function()
  h.client()
  vim.api.nvim_win_set_cursor(0, { 2, 8 })
  local tick = vim.b.changedtick
  h.type("<leader>cd")
  h.wait_until(function()
    return vim.b.changedtick ~= tick
  end, "the docstring edit")
  local first_change = h.lines()
  h.sleep(300) -- nothing else may follow (no second edit from a command)
  return { lines = h.lines(), first_change = first_change }
end)
