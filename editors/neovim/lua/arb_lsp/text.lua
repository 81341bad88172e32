--- Pure text helpers for ghost text: how much of a suggestion "the next word" and "the next line" are,
--- and how a suggestion's lines are drawn (tabs expanded: virtual text does not expand them).
local M = {}

-- Identifier characters, counting every byte of a multi-byte character as part of a word.
local WORD = "[%w_\128-\255]"

--- The next word of `rest`: a line break with the next line's indentation, or leading blanks with a
--- run of identifier characters, or leading blanks with a run of other non-blank characters.
---@param rest string
---@return string
function M.next_word(rest)
  local piece = rest:match("^\n[ \t]*")
    or rest:match("^[ \t]*" .. WORD .. "+")
    or rest:match("^[ \t]*[^%s%w_\128-\255]+")
  return piece or rest
end

--- The next line of `rest`: up to (not including) its next line break; when `rest` starts with a line
--- break (the cursor is at the end of an accepted line), that break and the line after it.
---@param rest string
---@return string
function M.next_line(rest)
  local start = rest:sub(1, 1) == "\n" and 2 or 1
  local stop = rest:find("\n", start, true)
  return stop and rest:sub(1, stop - 1) or rest
end

--- `line` with its tabs expanded to `tabstop` columns, starting at display column `column`.
---@param line string
---@param tabstop integer
---@param column? integer
---@return string
function M.expand_tabs(line, tabstop, column)
  if not line:find("\t", 1, true) then
    return line
  end
  local out, width = {}, column or 0
  for char in line:gmatch("[%z\1-\127\194-\244][\128-\191]*") do
    if char == "\t" then
      local spaces = tabstop - (width % tabstop)
      out[#out + 1] = string.rep(" ", spaces)
      width = width + spaces
    else
      out[#out + 1] = char
      width = width + vim.fn.strdisplaywidth(char)
    end
  end
  return table.concat(out)
end

return M
