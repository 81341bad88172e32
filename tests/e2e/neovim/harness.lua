-- Shared by the Neovim drivers: run a scenario as a coroutine, wait without blocking the main loop,
-- and hand the result back to pytest.
--
-- Typed keys, LSP replies and timers are only processed while the main loop runs, so a scenario
-- never blocks (no vim.wait, no busy loops): it yields, and a vim.defer_fn timer resumes it.
-- A scenario returns a table, written as JSON to $ARB_LSP_NVIM_RESULT before `:qa!`; any error
-- (or the watchdog) writes a traceback to stderr and exits with status 2 through `:cquit`.

local M = {}

local result_path = assert(vim.env.ARB_LSP_NVIM_RESULT, "ARB_LSP_NVIM_RESULT is not set")
local finished = false
local scenario ---@type thread?

local function finish(ok, payload)
  if finished then
    return
  end
  finished = true
  if ok then
    local file = assert(io.open(result_path, "w"))
    file:write(vim.json.encode(payload or {}))
    file:close()
    vim.cmd("qa!")
  else
    io.stderr:write("driver failed: " .. tostring(payload) .. "\n")
    vim.cmd("cquit 2")
  end
end

local function resume(...)
  if finished or not scenario then
    return
  end
  local ok, value = coroutine.resume(scenario, ...)
  if not ok then
    finish(false, debug.traceback(scenario, value))
  elseif coroutine.status(scenario) == "dead" then
    finish(true, value)
  end
end

--- Run `body` as the scenario; what it returns is the result.
---@param body fun(): table
---@param watchdog_ms? integer
function M.run(body, watchdog_ms)
  vim.defer_fn(function()
    finish(false, "watchdog: the scenario did not finish in time")
  end, watchdog_ms or 30000)
  scenario = coroutine.create(body)
  resume()
end

--- Let the main loop run for `ms` milliseconds.
function M.sleep(ms)
  vim.defer_fn(function()
    resume()
  end, ms)
  coroutine.yield()
end

--- Poll `predicate` every 20 ms until it returns a truthy value, which is returned.
---@generic T
---@param predicate fun(): T
---@param what string what is being waited for (for the error message)
---@param timeout_ms? integer
---@return T
function M.wait_until(predicate, what, timeout_ms)
  local deadline = vim.uv.now() + (timeout_ms or 10000)
  while true do
    local value = predicate()
    if value then
      return value
    end
    if vim.uv.now() > deadline then
      error("timed out waiting for " .. what, 2)
    end
    M.sleep(20)
  end
end

--- Type `keys` (with <> notation) as if the user did: mappings apply unless `noremap`.
function M.type(keys, noremap)
  vim.api.nvim_feedkeys(vim.keycode(keys), noremap and "n" or "m", false)
end

--- The arb_lsp client of the current buffer, once it is initialized and attached.
---@return vim.lsp.Client
function M.client()
  local bufnr = vim.api.nvim_get_current_buf()
  return M.wait_until(function()
    local client = vim.lsp.get_clients({ name = "arb_lsp", bufnr = bufnr })[1]
    return client and client.initialized and client.attached_buffers[bufnr] and client
  end, "arb_lsp to attach")
end

--- The current buffer's lines.
function M.lines()
  return vim.api.nvim_buf_get_lines(0, 0, -1, false)
end

--- The first floating window, if any.
function M.float()
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= "" then
      return win
    end
  end
end

return M
