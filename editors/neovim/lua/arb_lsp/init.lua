--- arb-lsp for Neovim: `require("arb_lsp").setup(opts)` enables the language server (the config in
--- `lsp/arb_lsp.lua`) and ghost text: drawn by this plugin on Neovim 0.11, Neovim's own
--- `vim.lsp.inline_completion` on 0.12+. See `:help arb_lsp`.
local api = vim.api
local config = require("arb_lsp.config")

local M = {}

local GROUP = "arb_lsp_ghost"

--- What a key does when no suggestion is shown: the mapping it had before setup (a completion
--- plugin's Tab, for instance), else the key itself.
---@param lhs string
---@return fun(): string
local function fallback_for(lhs)
  local previous = vim.fn.maparg(lhs, "i", false, true)
  if type(previous) ~= "table" or previous.lhs == nil or (previous.desc or ""):match("^arb%-lsp") then
    return function()
      return lhs
    end
  end
  return function()
    if previous.callback then
      local result = previous.callback()
      return previous.expr == 1 and type(result) == "string" and result or ""
    end
    if previous.expr == 1 then
      return vim.api.nvim_eval(previous.rhs)
    end
    return previous.rhs
  end
end

local ACTIONS = {
  accept = "accept",
  accept_word = "accept_word",
  accept_line = "accept_line",
  next = "next",
  prev = "prev",
  dismiss = "dismiss",
  trigger = "trigger",
}

--- What 0.12's vim.lsp.inline_completion can do; the other keys keep their own use there.
local NATIVE_ACTIONS = { accept = true, next = true, prev = true }

local function set_keymaps(keymaps)
  local native = config.use_native()
  for name, action in pairs(ACTIONS) do
    local lhs = keymaps[name]
    if lhs and (not native or NATIVE_ACTIONS[name]) then
      local fallback = fallback_for(lhs)
      local call = ("<Cmd>lua require('arb_lsp.ghost').%s()<CR>"):format(action)
      vim.keymap.set("i", lhs, function()
        local ghost = require("arb_lsp.ghost")
        if name == "trigger" then
          return call
        end
        if native and name == "accept" then
          -- 0.12: get() accepts what is shown (applied under vim.schedule) or returns false.
          return vim.lsp.inline_completion.get() and "" or fallback()
        end
        if native then
          return call -- select() cycles what Neovim shows; it does nothing when nothing is
        end
        return ghost.is_visible() and call or fallback()
      end, { expr = true, replace_keycodes = true, desc = "arb-lsp: " .. name:gsub("_", " ") })
    end
  end
end

local function set_highlight()
  api.nvim_set_hl(0, "ArbLspGhostText", { link = "Comment", default = true })
end

local function set_autocmds()
  local group = api.nvim_create_augroup(GROUP, { clear = true })
  api.nvim_create_autocmd("ColorScheme", { group = group, callback = set_highlight })
  if config.use_native() then
    require("arb_lsp.native").attach_autocmds(group)
    return
  end
  local function on(events, handler)
    api.nvim_create_autocmd(events, {
      group = group,
      callback = function(args)
        handler(args.buf)
      end,
    })
  end
  local ghost = require("arb_lsp.ghost")
  on("TextChangedI", ghost._on_change)
  on("CursorMovedI", ghost._on_cursor)
  on({ "InsertLeave", "BufLeave", "CompleteChanged" }, ghost._reset)
  on("CompleteDone", function(bufnr)
    -- The menu closed: ask about the text it left (if it inserted nothing, no TextChangedI follows).
    vim.schedule(function()
      if api.nvim_get_current_buf() == bufnr and api.nvim_get_mode().mode:match("^i") then
        ghost._on_change(bufnr)
      end
    end)
  end)
  on({ "BufUnload", "BufWipeout" }, ghost._forget)
end

--- `:help arb_lsp` works without a plugin manager: the help tags are made once, next to the help file.
local function ensure_help_tags()
  local source = debug.getinfo(1, "S").source:sub(2)
  local doc = vim.fs.joinpath(vim.fs.dirname(vim.fs.dirname(vim.fs.dirname(source))), "doc")
  if vim.uv.fs_stat(doc) and not vim.uv.fs_stat(vim.fs.joinpath(doc, "tags")) then
    pcall(vim.cmd.helptags, vim.fn.fnameescape(doc))
  end
end

--- Turn the plugin on: the server (vim.lsp.enable), ghost text, its keys and highlight group.
---@param opts? arb_lsp.Options
function M.setup(opts)
  local options = config.set(opts)
  ensure_help_tags()
  require("arb_lsp.commands").create_user_command()
  set_highlight()
  if options.enable_server then
    vim.lsp.enable("arb_lsp")
  end
  if options.ghost_text then
    set_autocmds()
    set_keymaps(options.keymaps)
  else
    pcall(api.nvim_del_augroup_by_name, GROUP)
  end
  M.did_setup = true
end

return M
