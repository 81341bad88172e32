--- An inlineCompletion answer turned into items the ghost text can show: ranges converted from the
--- client's position encoding (utf-8 or utf-16) to byte columns, snippets to their text, and only the
--- items that fit the buffer as it was when asked.
local api = vim.api

local M = {}

---@class arb_lsp.Item
---@field row integer where the item's range starts (0-based)
---@field col integer byte column of that start
---@field text string the whole text the range receives
---@field tail string the characters after the cursor (on its line) the item replaces
---@field command? lsp.Command
---@field client_id integer

--- An LSP position's byte column in `bufnr` (the client's position encoding: utf-8 or utf-16).
local function byte_col(bufnr, position, encoding)
  local line = api.nvim_buf_get_lines(bufnr, position.line, position.line + 1, false)[1] or ""
  if encoding == "utf-8" then
    return math.min(position.character, #line)
  end
  local ok, col = pcall(vim.str_byteindex, line, encoding, position.character, false)
  return ok and col or #line
end

--- The answer's items that fit the buffer as it was asked about (range start ≤ cursor ≤ range end on
--- the cursor's line, and the text already typed in the range is the start of the item's text).
function M.from_answer(bufnr, client, result, request)
  local items = {}
  for _, raw in ipairs(result and (result.items or result) or {}) do
    local insert = raw.insertText
    if type(insert) == "table" then -- a snippet: its text, placeholders filled with their defaults
      local ok, parsed = pcall(function()
        return tostring(require("vim.lsp._snippet_grammar").parse(insert.value))
      end)
      insert = ok and parsed or nil
    end
    local row, col, end_row, end_col = request.row, request.col, request.row, request.col
    if raw.range then
      row, end_row = raw.range.start.line, raw.range["end"].line
      col = byte_col(bufnr, raw.range.start, client.offset_encoding)
      end_col = byte_col(bufnr, raw.range["end"], client.offset_encoding)
    end
    local fits = type(insert) == "string"
      and end_row == request.row
      and end_col >= request.col
      and (row < request.row or (row == request.row and col <= request.col))
    if fits then
      local typed = table.concat(api.nvim_buf_get_text(bufnr, row, col, request.row, request.col, {}), "\n")
      local line = api.nvim_buf_get_lines(bufnr, request.row, request.row + 1, true)[1]
      if insert:sub(1, #typed) == typed and #insert > #typed then
        items[#items + 1] = {
          row = row,
          col = col,
          text = insert,
          tail = line:sub(request.col + 1, end_col),
          command = raw.command,
          client_id = client.id,
        }
      end
    end
  end
  return items
end

return M
