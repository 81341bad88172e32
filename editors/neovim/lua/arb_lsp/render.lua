--- Drawing a suggestion with extmarks: the first line as inline virtual text at the cursor, the other
--- lines as virtual lines below it, in `ArbLspGhostText`. Redrawing reuses the extmarks' ids, so a
--- suggestion that stays (type-ahead, partial acceptance, a fresh answer with the same text) never
--- blinks.
---
--- When the suggestion replaces characters after the cursor (the line's closers: it brings its own),
--- those characters must not look doubled: if the suggestion's single line ends with them they are
--- simply not drawn twice; otherwise a blank overlay hides them until the suggestion goes.
local api = vim.api
local text = require("arb_lsp.text")

local M = {}

M.namespace = api.nvim_create_namespace("arb_lsp_ghost")
M.group = "ArbLspGhostText"

---@class arb_lsp.Marks
---@field ghost? integer extmark id of the suggestion
---@field cover? integer extmark id of the overlay hiding the replaced characters

--- Draw `rest` (what accepting would insert) at (row, col); `tail` is what it replaces after the cursor.
---@param bufnr integer
---@param marks arb_lsp.Marks
---@param row integer 0-based
---@param col integer 0-based byte column
---@param rest string
---@param tail string
---@param suffix? string shown after the last line (e.g. " (1/3)")
function M.draw(bufnr, marks, row, col, rest, tail, suffix)
  local tabstop = vim.bo[bufnr].tabstop
  local lines = vim.split(rest, "\n", { plain = true })
  local first = lines[1]
  local hide_tail = tail ~= ""
  if #lines == 1 and hide_tail and first:sub(-#tail) == tail then
    first = first:sub(1, #first - #tail)
    hide_tail = false
  end
  local line_text = api.nvim_buf_get_lines(bufnr, row, row + 1, true)[1]
  local column = vim.fn.strdisplaywidth(line_text:sub(1, col))
  local virt_text = { { text.expand_tabs(first, tabstop, column), M.group } }
  local virt_lines = {}
  for i = 2, #lines do
    virt_lines[#virt_lines + 1] = { { text.expand_tabs(lines[i], tabstop), M.group } }
  end
  local last = #virt_lines > 0 and virt_lines[#virt_lines] or virt_text
  if suffix then
    last[#last + 1] = { suffix, M.group }
  end
  marks.ghost = api.nvim_buf_set_extmark(bufnr, M.namespace, row, col, {
    id = marks.ghost,
    virt_text = virt_text,
    virt_text_pos = "inline",
    virt_lines = #virt_lines > 0 and virt_lines or nil,
    hl_mode = "combine",
    priority = 1000,
  })
  if hide_tail then
    marks.cover = api.nvim_buf_set_extmark(bufnr, M.namespace, row, col, {
      id = marks.cover,
      end_col = col + #tail,
      virt_text = { { string.rep(" ", vim.fn.strdisplaywidth(tail)), "Normal" } },
      virt_text_pos = "overlay",
      priority = 1000,
    })
  elseif marks.cover then
    pcall(api.nvim_buf_del_extmark, bufnr, M.namespace, marks.cover)
    marks.cover = nil
  end
end

---@param bufnr integer
---@param marks arb_lsp.Marks
function M.clear(bufnr, marks)
  if api.nvim_buf_is_valid(bufnr) then
    for _, id in ipairs({ marks.ghost, marks.cover }) do
      pcall(api.nvim_buf_del_extmark, bufnr, M.namespace, id)
    end
  end
  marks.ghost, marks.cover = nil, nil
end

return M
