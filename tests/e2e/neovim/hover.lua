-- Scenario: `K` on a function shows the model's explanation in a floating window.
local h = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "harness.lua"))

h.run(function()
  h.client()
  vim.api.nvim_win_set_cursor(0, { 2, 8 })
  h.type("K")
  local win = h.wait_until(h.float, "the hover window")
  local buf = vim.api.nvim_win_get_buf(win)
  return { lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false), filetype = vim.bo[buf].filetype }
end)
