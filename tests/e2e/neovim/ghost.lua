-- Scenario: plays the steps in $ARB_LSP_NVIM_STEPS (JSON) as a user would, and records what was seen.
-- Steps: {keys = "...", noremap = bool} types keys; {call = "accept"} calls require("arb_lsp.ghost")[call];
-- {wait = "visible"|"hidden"} waits for ghost text; {wait_status = "text"} for vim.lsp.status(); {sleep = ms}; {cursor = {row, col}} moves the cursor;
-- {snap = "label"} records the buffer, the cursor, the suggestion and the extmarks drawn for it.
local h = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "harness.lua"))

local function extmarks()
  local ns = vim.api.nvim_get_namespaces()["arb_lsp_ghost"]
  if not ns then
    return {}
  end
  local marks = {}
  for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, { details = true })) do
    local details = mark[4]
    local function texts(chunks)
      return vim.tbl_map(function(chunk)
        return chunk[1]
      end, chunks or {})
    end
    marks[#marks + 1] = {
      row = mark[2],
      col = mark[3],
      pos = details.virt_text_pos,
      hl = details.virt_text and details.virt_text[1] and details.virt_text[1][2] or vim.NIL,
      text = table.concat(texts(details.virt_text)),
      lines = vim.tbl_map(function(line)
        return table.concat(texts(line))
      end, details.virt_lines or {}),
    }
  end
  return marks
end

h.run(function()
  local client = h.client()
  local ghost = require("arb_lsp.ghost")
  local steps = vim.json.decode((assert(vim.env.ARB_LSP_NVIM_STEPS, "ARB_LSP_NVIM_STEPS is not set")))
  local snaps = {}
  for _, step in ipairs(steps) do
    if step.keys then
      h.type(step.keys, step.noremap)
      h.sleep(step.after or 20)
    elseif step.call then
      snaps["returned:" .. step.call] = ghost[step.call]()
      h.sleep(20)
    elseif step.wait == "visible" then
      h.wait_until(ghost.is_visible, "ghost text")
    elseif step.wait == "hidden" then
      h.wait_until(function()
        return not ghost.is_visible()
      end, "ghost text to go")
    elseif step.wait_status then -- vim.lsp.status(): the $/progress messages Neovim has received
      snaps.status = h.wait_until(function()
        local status = vim.lsp.status()
        return status:find(step.wait_status, 1, true) and status
      end, "vim.lsp.status() to say " .. step.wait_status)
    elseif step.sleep then
      h.sleep(step.sleep)
    elseif step.cursor then
      vim.api.nvim_win_set_cursor(0, step.cursor)
      h.sleep(20)
    elseif step.lua then
      snaps.lua = snaps.lua or {}
      table.insert(snaps.lua, assert(loadstring(step.lua))() or vim.NIL)
      h.sleep(20)
    elseif step.snap then
      local cursor = vim.api.nvim_win_get_cursor(0)
      snaps[step.snap] = {
        lines = h.lines(),
        cursor = cursor,
        mode = vim.api.nvim_get_mode().mode,
        visible = ghost.is_visible(),
        text = ghost.get_text() or vim.NIL,
        extmarks = extmarks(),
      }
    end
  end
  return { snaps = snaps, offset_encoding = client.offset_encoding }
end)
