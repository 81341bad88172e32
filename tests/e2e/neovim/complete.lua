-- Scenario: in insert mode at the end of line 2, <C-x><C-o> (vim.lsp's omnifunc) offers the
-- model's suggestion; selecting and accepting it puts it in the buffer.
local h = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "harness.lua"))

h.run(function()
  local client = h.client()
  local model = vim.env.ARB_LSP_NVIM_SWITCH_MODEL
  if model and model ~= "" then
    -- The README's recipe for changing a setting in a running session.
    client.settings.arbLsp.models = { completion = model }
    client:notify("workspace/didChangeConfiguration", { settings = client.settings })
    h.sleep(100)
  end
  local row = tonumber(vim.env.ARB_LSP_NVIM_ROW or "2")
  vim.api.nvim_win_set_cursor(0, { row, 0 })
  local before = vim.api.nvim_get_current_line()
  h.type(vim.env.ARB_LSP_NVIM_KEYS or "A<C-x><C-o>", true)
  h.wait_until(function()
    return vim.fn.pumvisible() == 1 or vim.api.nvim_get_current_line() ~= before
  end, "the completion menu")
  local info = vim.fn.complete_info({ "items", "selected", "mode" })
  local menu = vim.tbl_map(function(item)
    return { word = item.word, abbr = item.abbr, menu = item.menu }
  end, info.items or {})
  -- 'completeopt' has noselect: pick the first item, accept it, leave insert mode.
  if vim.fn.pumvisible() == 1 then
    h.type(info.selected == -1 and "<C-n><C-y>" or "<C-y>", true)
  end
  h.type("<Esc>", true)
  h.wait_until(function()
    return vim.api.nvim_get_mode().mode == "n"
  end, "normal mode")
  h.sleep(100) -- let CompleteDone handlers (snippet expansion, commands) run
  return { menu = menu, mode = info.mode, lines = h.lines() }
end)
