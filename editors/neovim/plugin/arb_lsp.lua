-- :ArbLsp status|usage|doctor|toggle [global]. Everything else loads on first use or on setup().
if vim.g.loaded_arb_lsp then
  return
end
vim.g.loaded_arb_lsp = true

vim.api.nvim_create_user_command("ArbLsp", function(command)
  require("arb_lsp.commands").run(command.args)
end, {
  nargs = "*",
  desc = "arb-lsp: status, usage, doctor, toggle [global]",
  complete = function(arg_lead, cmdline)
    return require("arb_lsp.commands").complete(arg_lead, cmdline)
  end,
})
