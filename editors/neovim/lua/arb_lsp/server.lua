--- Running the `arb-lsp` command line next to the language server: which executable the LSP config
--- starts, and the environment it needs (the key and endpoint given in the config, passed through the
--- environment so they never appear on a command line or in output).
local M = {}

--- The LSP config's `cmd` (from lsp/arb_lsp.lua and vim.lsp.config overrides), or { "arb-lsp" }.
---@return string[]
function M.cmd()
  local resolved = vim.lsp.config and vim.lsp.config["arb_lsp"]
  local cmd = resolved and resolved.cmd
  if type(cmd) == "table" and type(cmd[1]) == "string" then
    return vim.deepcopy(cmd)
  end
  return { "arb-lsp" }
end

--- The executable's full path, or nil when it is not found.
---@return string?
function M.executable()
  local path = vim.fn.exepath(M.cmd()[1])
  return path ~= "" and path or nil
end

--- A setting of the config (init_options, then settings.arbLsp: the latter wins, as in the server).
---@param name string
local function setting(name)
  local resolved = vim.lsp.config and vim.lsp.config["arb_lsp"] or {}
  local from_settings = vim.tbl_get(resolved, "settings", "arbLsp", name)
  if from_settings ~= nil then
    return from_settings
  end
  return vim.tbl_get(resolved, "init_options", name)
end

--- The environment for the command line: the config's cmd_env, plus its apiKey and baseUrl.
---@return table<string, string>
function M.env()
  local resolved = vim.lsp.config and vim.lsp.config["arb_lsp"] or {}
  local env = vim.deepcopy(resolved.cmd_env or {})
  local key, base_url = setting("apiKey"), setting("baseUrl")
  if type(key) == "string" and key ~= "" then
    env.OPENROUTER_API_KEY = key
  end
  if type(base_url) == "string" and base_url ~= "" then
    env.OPENROUTER_BASE_URL = base_url
  end
  return env
end

--- Whether a key is set (environment or config); the key itself is never returned.
function M.has_key()
  local env = M.env()
  return (env.OPENROUTER_API_KEY or vim.env.OPENROUTER_API_KEY or "") ~= ""
end

--- Run `arb-lsp <args>` and wait (at most `timeout_ms`).
---@param args string[]
---@param timeout_ms? integer
---@return vim.SystemCompleted
function M.run(args, timeout_ms)
  local exe = M.executable()
  if not exe then
    return { code = 127, signal = 0, stdout = "", stderr = "arb-lsp not found: " .. M.cmd()[1] }
  end
  local ok, job = pcall(vim.system, { exe, unpack(args) }, { text = true, env = M.env() })
  if not ok then
    return { code = 127, signal = 0, stdout = "", stderr = tostring(job) }
  end
  local done = job:wait(timeout_ms or 20000)
  return done
end

return M
