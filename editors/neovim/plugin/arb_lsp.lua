-- :ArbLsp status|usage|doctor|toggle [global]. Everything else loads on first use or on setup().
if vim.g.loaded_arb_lsp then
  return
end
vim.g.loaded_arb_lsp = true

require("arb_lsp.commands").create_user_command()
