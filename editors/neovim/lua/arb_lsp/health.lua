--- `:checkhealth arb_lsp`: Neovim and ghost text, the server executable and its version, the key
--- (present or not, never shown), and what `arb-lsp doctor --json` says about the endpoint, the key
--- and each task's models.
local config = require("arb_lsp.config")
local server = require("arb_lsp.server")

local M = {}

local health = vim.health

local function check_neovim()
  health.start("arb-lsp: Neovim")
  local version = vim.version()
  local text = ("Neovim %d.%d.%d"):format(version.major, version.minor, version.patch)
  if vim.fn.has("nvim-0.11") == 0 then
    health.error(text .. ": arb-lsp needs Neovim 0.11 or newer (vim.lsp.config, vim.lsp.enable)")
    return
  end
  health.ok(text)
  if not require("arb_lsp").did_setup then
    health.info('require("arb_lsp").setup() was not called: no ghost text, only the LSP config')
  elseif not config.options.ghost_text then
    health.info("ghost text is off (ghost_text = false)")
  elseif config.use_native() then
    health.ok("ghost text: Neovim's own vim.lsp.inline_completion (0.12+), in highlight group ComplHint")
  else
    health.ok("ghost text: drawn by the plugin (Neovim 0.11 has no inline completion), group ArbLspGhostText")
  end
end

local function check_server()
  health.start("arb-lsp: server")
  local exe = server.executable()
  if not exe then
    health.error(
      ("`%s` (the LSP config's cmd) is not on PATH"):format(server.cmd()[1]),
      { "install it: pipx install /path/to/arb-lsp", 'or give its full path: vim.lsp.config("arb_lsp", { cmd = { "/path/to/arb-lsp" } })' }
    )
    return false
  end
  local done = server.run({ "--version" }, 10000)
  if done.code ~= 0 then
    health.error(("%s --version failed (exit %s): %s"):format(exe, tostring(done.code), vim.trim(done.stderr or "")))
    return false
  end
  health.ok(("%s (%s)"):format(exe, vim.trim(done.stdout or "")))
  local client = vim.lsp.get_clients({ name = "arb_lsp" })[1]
  if client then
    health.ok(("running as client %d, %s positions"):format(client.id, client.offset_encoding))
  else
    health.info("not running: it starts when a buffer of one of its filetypes is opened")
  end
  return true
end

local REPORT = { ok = health.ok, warn = health.warn, fail = health.error, skip = health.info }

local function check_doctor()
  health.start("arb-lsp: OpenRouter (arb-lsp doctor --json)")
  local done = server.run({ "doctor", "--json" }, 30000)
  local ok, report = pcall(vim.json.decode, done.stdout or "")
  if not ok or type(report) ~= "table" or type(report.checks) ~= "table" then
    health.error(("arb-lsp doctor --json gave no report (exit %s): %s"):format(
      tostring(done.code),
      vim.trim(done.stderr or "")
    ))
    -- Still say whether a key is set (the doctor would have checked it with OpenRouter).
    if server.has_key() then
      health.info("key: set (not checked)")
    else
      health.error("key: not set", { "create a key at https://openrouter.ai/keys, then export OPENROUTER_API_KEY" })
    end
    return
  end
  for _, check in ipairs(report.checks) do
    local say = REPORT[check.status] or health.info
    local advice = check.fix and (check.status == "fail" or check.status == "warn") and { check.fix } or nil
    say(("%s: %s"):format(check.name, check.detail), advice)
  end
end

function M.check()
  check_neovim()
  if check_server() then
    check_doctor()
  end
end

return M
