-- Scenario: opening a Python file starts arb_lsp from the shipped config and attaches it.
local h = dofile(vim.fs.joinpath(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)), "harness.lua"))

h.run(function()
  local client = h.client()
  local caps = client.server_capabilities or {}
  local code_action = caps.codeActionProvider
  return {
    name = client.name,
    cmd = client.config.cmd,
    root_dir = client.root_dir,
    filetype = vim.bo.filetype,
    offset_encoding = client.offset_encoding,
    inline_completion = caps.inlineCompletionProvider ~= nil,
    completion_triggers = (caps.completionProvider or {}).triggerCharacters,
    hover = caps.hoverProvider == true or type(caps.hoverProvider) == "table",
    code_action_resolve = type(code_action) == "table" and code_action.resolveProvider == true,
    commands = (caps.executeCommandProvider or {}).commands,
    omnifunc = vim.bo.omnifunc,
    keymaps = vim.tbl_map(function(map)
      return map.lhs
    end, vim.api.nvim_buf_get_keymap(0, "n")),
  }
end)
