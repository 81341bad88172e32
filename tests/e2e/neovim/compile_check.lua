-- Run with nvim -l FILE...: prints the syntax error of each Lua file that does not compile.
for _, f in ipairs(arg) do local ok, err = loadfile(f) if not ok then io.stdout:write(err, '\n') end end
