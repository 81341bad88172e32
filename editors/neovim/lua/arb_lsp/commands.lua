--- `:ArbLsp status|usage|doctor|toggle`: what the plugin and server are doing, today's spend and
--- acceptance, the doctor's checks, and ghost text on/off (for the buffer, or `toggle global`).
local api = vim.api
local config = require("arb_lsp.config")
local server = require("arb_lsp.server")

local M = {}

--- Show `lines` in a centred floating window; `q` or <Esc> closes it.
---@param title string
---@param lines string[]
local function float(title, lines)
  local buf = api.nvim_create_buf(false, true)
  api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].bufhidden = "wipe"
  local width = 20
  for _, line in ipairs(lines) do
    width = math.max(width, vim.fn.strdisplaywidth(line))
  end
  width = math.min(width + 2, math.max(vim.o.columns - 4, 20))
  local height = math.min(#lines, math.max(vim.o.lines - 6, 3))
  local win = api.nvim_open_win(buf, true, {
    relative = "editor",
    width = width,
    height = height,
    row = math.max(math.floor((vim.o.lines - height) / 2) - 1, 0),
    col = math.max(math.floor((vim.o.columns - width) / 2), 0),
    style = "minimal",
    border = "rounded",
    title = " " .. title .. " ",
  })
  for _, lhs in ipairs({ "q", "<Esc>" }) do
    vim.keymap.set("n", lhs, function()
      pcall(api.nvim_win_close, win, true)
    end, { buffer = buf, nowait = true })
  end
  return win, buf
end

local function output_lines(done)
  local text = (done.stdout or "") .. (done.code ~= 0 and (done.stderr or "") or "")
  local lines = vim.split(vim.trim(text), "\n", { plain = true })
  if done.code ~= 0 and done.code ~= 1 then
    table.insert(lines, 1, ("arb-lsp exited with status %d"):format(done.code))
  end
  return lines
end

function M.status()
  local bufnr = api.nvim_get_current_buf()
  local client = vim.lsp.get_clients({ name = "arb_lsp", bufnr = bufnr })[1]
  local ghost = require("arb_lsp.ghost")
  local lines = {}
  if client then
    local info = client.server_info or {}
    lines[#lines + 1] = ("server: %s %s (client %d, %s positions)"):format(
      info.name or "arb-lsp",
      info.version or "?",
      client.id,
      client.offset_encoding
    )
  else
    lines[#lines + 1] = "server: not attached to this buffer (filetype "
      .. vim.bo[bufnr].filetype
      .. "; :checkhealth arb_lsp)"
  end
  lines[#lines + 1] = ("ghost text: %s, %s, %s in this buffer"):format(
    config.use_native() and "Neovim's vim.lsp.inline_completion" or "drawn by the plugin",
    config.options.auto_trigger and "asked for as you type" or "asked for on the trigger key only",
    config.enabled_for(bufnr) and "on" or "off"
  )
  lines[#lines + 1] = "suggestion shown: " .. (ghost.is_visible() and "yes" or "no")
  local keys = {}
  for _, name in ipairs({ "accept", "accept_word", "accept_line", "next", "prev", "dismiss", "trigger" }) do
    local lhs = config.options.keymaps[name]
    keys[#keys + 1] = ("%s=%s"):format(name, lhs or "off")
  end
  lines[#lines + 1] = "keys: " .. table.concat(keys, " ")
  local progress = vim.lsp.status()
  if progress ~= "" then
    lines[#lines + 1] = "working: " .. progress
  end
  vim.notify(table.concat(lines, "\n"), vim.log.levels.INFO, { title = "arb-lsp" })
  return lines
end

function M.usage()
  local lines = output_lines(server.run({ "usage", "--days", "1" }))
  return float("arb-lsp usage today", lines)
end

function M.doctor()
  local lines = output_lines(server.run({ "doctor" }))
  return float("arb-lsp doctor", lines)
end

---@param scope? string "global" for every buffer; otherwise the current buffer
function M.toggle(scope)
  local bufnr = api.nvim_get_current_buf()
  local on
  if scope == "global" then
    config.globally_off = not config.globally_off
    on = not config.globally_off
  else
    on = not config.enabled_for(bufnr)
    vim.b[bufnr].arb_lsp_ghost = on
  end
  if config.use_native() then
    require("arb_lsp.native").refresh(bufnr)
  elseif not on then
    require("arb_lsp.ghost").dismiss()
  end
  vim.notify(
    ("arb-lsp: ghost text %s %s"):format(on and "on" or "off", scope == "global" and "everywhere" or "in this buffer"),
    vim.log.levels.INFO
  )
  return on
end

M.subcommands = { "status", "usage", "doctor", "toggle" }

---@param args string
function M.run(args)
  local words = vim.split(vim.trim(args), "%s+", { trimempty = true })
  local name = words[1] or "status"
  local handler = M[name]
  if not vim.tbl_contains(M.subcommands, name) or not handler then
    vim.notify("arb-lsp: :ArbLsp takes " .. table.concat(M.subcommands, ", "), vim.log.levels.ERROR)
    return
  end
  return handler(words[2])
end

--- Define :ArbLsp (plugin/arb_lsp.lua does at startup; setup() again, for managers that put this
--- folder on the runtimepath after plugin/ scripts were sourced).
function M.create_user_command()
  vim.api.nvim_create_user_command("ArbLsp", function(command)
    M.run(command.args)
  end, {
    nargs = "*",
    desc = "arb-lsp: status, usage, doctor, toggle [global]",
    complete = function(arg_lead, cmdline)
      return M.complete(arg_lead, cmdline)
    end,
  })
end

function M.complete(arg_lead, cmdline)
  if cmdline:match("^%s*ArbLsp!?%s+toggle%s+") then
    return { "global" }
  end
  return vim.tbl_filter(function(name)
    return name:find(arg_lead, 1, true) == 1
  end, M.subcommands)
end

return M
