--- Ghost text for Neovim 0.11: the server's `textDocument/inlineCompletion` answer drawn at the cursor.
---
--- Asked for after a change in insert mode (or on `trigger()`); the server debounces and supersedes,
--- and this side cancels its own stale request before sending a newer one. A suggestion stays while
--- the user types its next characters (no new request) and goes when the cursor leaves, the text
--- changes in a way it does not continue, insert mode ends, the completion menu opens, or another
--- buffer is entered. Accepting honours the item's `range` (closers after the cursor are replaced,
--- never doubled), starts a new undo block (one `u` removes it), and runs the item's `command` (the
--- server counts the acceptance). On Neovim 0.12+ these functions drive `vim.lsp.inline_completion`.
local api = vim.api
local config = require("arb_lsp.config")
local render = require("arb_lsp.render")
local items_of = require("arb_lsp.items").from_answer
local text = require("arb_lsp.text")

local M = {}

local METHOD = "textDocument/inlineCompletion"
local TRIGGER_INVOKED, TRIGGER_AUTOMATIC = 1, 2

---@class arb_lsp.State
---@field items? arb_lsp.Item[]
---@field index integer
---@field marks arb_lsp.Marks
---@field drawn? { row: integer, col: integer, tick: integer } where and when it was last drawn
---@field request? { client: vim.lsp.Client, id: integer, row: integer, col: integer, tick: integer }
---@field queued? boolean a request is scheduled for this tick of the loop

---@type table<integer, arb_lsp.State>
local states = {}

---@param bufnr integer
---@return arb_lsp.State
local function state(bufnr)
  local st = states[bufnr]
  if not st then
    st = { index = 1, marks = {} }
    states[bufnr] = st
  end
  return st
end

local function cursor()
  local pos = api.nvim_win_get_cursor(0)
  return pos[1] - 1, pos[2]
end

local function client_for(bufnr)
  return vim.lsp.get_clients({ bufnr = bufnr, name = "arb_lsp", method = METHOD })[1]
end

--- What accepting `item` would insert now, or nil when the buffer no longer continues it: the text
--- from the item's start to the cursor must be the start of its text, and the replaced tail must
--- still follow the cursor.
---@param bufnr integer
---@param item arb_lsp.Item
---@return string?
local function remaining(bufnr, item)
  if api.nvim_get_current_buf() ~= bufnr then
    return nil
  end
  local row, col = cursor()
  if row < item.row or (row == item.row and col < item.col) then
    return nil
  end
  local typed = table.concat(api.nvim_buf_get_text(bufnr, item.row, item.col, row, col, {}), "\n")
  if item.text:sub(1, #typed) ~= typed or #typed >= #item.text then
    return nil
  end
  local line = api.nvim_buf_get_lines(bufnr, row, row + 1, true)[1]
  if line:sub(col + 1, col + #item.tail) ~= item.tail then
    return nil
  end
  return item.text:sub(#typed + 1)
end

local function cancel(st)
  local request = st.request
  st.request = nil
  if request then
    pcall(request.client.cancel_request, request.client, request.id)
  end
end

local function clear(bufnr)
  local st = states[bufnr]
  if st then
    render.clear(bufnr, st.marks)
    st.items, st.drawn, st.index = nil, nil, 1
  end
end

--- Draw the current item if the buffer still continues it; clear otherwise. Returns whether shown.
local function draw(bufnr)
  local st = states[bufnr]
  local item = st and st.items and st.items[st.index]
  local rest = item and remaining(bufnr, item)
  if not rest then
    clear(bufnr)
    return false
  end
  local row, col = cursor()
  local suffix = #st.items > 1 and (" (%d/%d)"):format(st.index, #st.items) or nil
  render.draw(bufnr, st.marks, row, col, rest, item.tail, suffix)
  st.drawn = { row = row, col = col, tick = api.nvim_buf_get_changedtick(bufnr) }
  return true
end

---@param bufnr integer
---@param trigger_kind integer
local function request(bufnr, trigger_kind)
  local st = state(bufnr)
  cancel(st)
  local client = client_for(bufnr)
  if not client or api.nvim_get_current_buf() ~= bufnr then
    return
  end
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  ---@diagnostic disable-next-line: inject-field
  params.context = { triggerKind = trigger_kind }
  local row, col = cursor()
  local pending = { client = client, row = row, col = col, tick = api.nvim_buf_get_changedtick(bufnr) }
  local ok, id = client:request(METHOD, params, function(err, result)
    if st.request ~= pending then
      return -- a newer request superseded this one
    end
    st.request = nil
    if err or not api.nvim_buf_is_valid(bufnr) or api.nvim_get_current_buf() ~= bufnr then
      return
    end
    if not vim.api.nvim_get_mode().mode:match("^i") or vim.fn.pumvisible() == 1 then
      return
    end
    local now_row, now_col = cursor()
    local moved = now_row < row or (now_row == row and now_col < col)
    if moved or (api.nvim_buf_get_changedtick(bufnr) == pending.tick and (now_row ~= row or now_col ~= col)) then
      return -- the cursor left the spot asked about
    end
    local items = items_of(bufnr, client, result, pending)
    if #items == 0 then
      return
    end
    st.items, st.index = items, 1
    draw(bufnr)
  end, bufnr)
  if ok and id then
    pending.id = id
    st.request = pending
  end
end

--- After a change: keep a suggestion the change continues, else clear it and (automatically) ask.
--- Changes made in one go (a paste, keys fed by a mapping) are asked about once.
---@param bufnr integer
function M._on_change(bufnr)
  local st = state(bufnr)
  if not config.enabled_for(bufnr) or vim.fn.pumvisible() == 1 then
    cancel(st)
    clear(bufnr)
    return
  end
  if st.items and draw(bufnr) then
    return -- typed as suggested: the rest stays, nothing is asked
  end
  cancel(st)
  if not config.options.auto_trigger or st.queued then
    return
  end
  st.queued = true
  vim.schedule(function()
    st.queued = false
    if api.nvim_get_current_buf() == bufnr and api.nvim_get_mode().mode:match("^i") and not st.items then
      if vim.fn.pumvisible() == 0 and config.enabled_for(bufnr) then
        request(bufnr, TRIGGER_AUTOMATIC)
      end
    end
  end)
end

--- The cursor moved without a change (arrows, mouse, <C-o>): the suggestion and any request go.
---@param bufnr integer
function M._on_cursor(bufnr)
  local st = states[bufnr]
  if not st then
    return
  end
  local tick = api.nvim_buf_get_changedtick(bufnr)
  local row, col = cursor()
  local drawn, pending = st.drawn, st.request
  if drawn and drawn.tick == tick and (drawn.row ~= row or drawn.col ~= col) then
    cancel(st)
    clear(bufnr)
  elseif pending and pending.tick == tick and (pending.row ~= row or pending.col ~= col) then
    cancel(st)
  end
end

--- Insert mode ended, the menu opened, the buffer was left: nothing stays.
---@param bufnr integer
function M._reset(bufnr)
  local st = states[bufnr]
  if st then
    cancel(st)
    clear(bufnr)
  end
end

---@param bufnr integer
function M._forget(bufnr)
  M._reset(bufnr)
  states[bufnr] = nil
end

local function native()
  return config.use_native() and vim.lsp.inline_completion or nil
end

--- Ask for a suggestion now (Invoked), whether or not `auto_trigger` is on.
function M.trigger()
  local bufnr = api.nvim_get_current_buf()
  if native() then
    return false -- 0.12's client asks by itself and has no trigger
  end
  clear(bufnr)
  request(bufnr, TRIGGER_INVOKED)
  return true
end

--- The current buffer's current item and what accepting it would insert.
local function current()
  local bufnr = api.nvim_get_current_buf()
  local st = states[bufnr]
  local item = st and st.items and st.items[st.index]
  local rest = item and remaining(bufnr, item)
  return bufnr, st, item, rest
end

function M.is_visible()
  if native() then
    return require("arb_lsp.native").is_visible()
  end
  local _, _, _, rest = current()
  return rest ~= nil
end

--- The whole suggestion as accepting it would insert it, or nil.
---@return string?
function M.get_text()
  if native() then
    return nil
  end
  local _, _, _, rest = current()
  return rest
end

--- Insert `kind` ("all", "next_word" or "next_line") of the suggestion. Taking all of it replaces the
--- characters its range covers after the cursor and runs its command; taking part keeps the rest shown.
local function take(kind)
  local bufnr, st, item, rest = current()
  if not rest or not st or not item then
    return false
  end
  local piece = kind == "all" and rest or text[kind](rest)
  local whole = piece == rest
  local row, col = cursor()
  -- A new undo block: one `u` removes what is inserted now, and nothing typed before it.
  vim.go.undolevels = vim.go.undolevels
  local lines = vim.split(piece, "\n", { plain = true })
  api.nvim_buf_set_text(bufnr, row, col, row, whole and col + #item.tail or col, lines)
  local end_row = row + #lines - 1
  local end_col = (#lines == 1 and col or 0) + #lines[#lines]
  api.nvim_win_set_cursor(0, { end_row + 1, end_col })
  if not whole then
    draw(bufnr)
    return true
  end
  cancel(st)
  clear(bufnr)
  vim.go.undolevels = vim.go.undolevels -- and text typed after it is a block of its own
  local client = vim.lsp.get_client_by_id(item.client_id)
  if item.command and client then
    client:exec_cmd(item.command, { bufnr = bufnr })
  end
  return true
end

--- Accept the whole suggestion. Returns false when none is shown.
function M.accept()
  if native() then
    return vim.lsp.inline_completion.get()
  end
  return take("all")
end

function M.accept_word()
  return not native() and take("next_word")
end

function M.accept_line()
  return not native() and take("next_line")
end

local function cycle(step)
  if native() then
    vim.lsp.inline_completion.select({ count = step })
    return true
  end
  local bufnr, st = current()
  if not st or not st.items or #st.items < 2 then
    return false
  end
  st.index = (st.index - 1 + step) % #st.items + 1
  return draw(bufnr)
end

function M.next()
  return cycle(1)
end

function M.prev()
  return cycle(-1)
end

--- Hide the suggestion (and drop the request in flight) until the next change.
function M.dismiss()
  if native() then
    return false -- 0.12's client has no dismiss: leaving insert mode clears it
  end
  local bufnr, st = current()
  local shown = st ~= nil and st.items ~= nil
  M._reset(bufnr)
  return shown
end

return M
