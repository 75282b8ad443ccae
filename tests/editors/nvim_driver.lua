-- Drives a real headless Neovim with editors/neovim/shot.lua: opens SHOT_SPEC, waits for the
-- server's diagnostics, hovers at SHOT_HOVER ("line,col", 1-based line, 0-based column) and
-- writes {"diagnostics": [...], "hover": "..."} as JSON to SHOT_OUT.
local env = function(name) return os.getenv(name) end
dofile(env("SHOT_CONFIG")).setup({ cmd = { env("SHOT_PYTHON"), "-m", "shotspec", "lsp" } })
vim.cmd("edit " .. vim.fn.fnameescape(env("SHOT_SPEC")))
vim.wait(60000, function() return #vim.diagnostic.get(0) > 0 end, 50)
local result = { diagnostics = {}, filetype = vim.bo.filetype }
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(result.diagnostics, { lnum = d.lnum, col = d.col, code = d.code, message = d.message,
                                      severity = d.severity })
end
local line, col = env("SHOT_HOVER"):match("(%d+),(%d+)")
vim.api.nvim_win_set_cursor(0, { tonumber(line), tonumber(col) })
local answers = vim.lsp.buf_request_sync(0, "textDocument/hover", vim.lsp.util.make_position_params(), 30000)
for _, answer in pairs(answers or {}) do
  if answer.result then
    result.hover = answer.result.contents.value or answer.result.contents
  end
end
local f = io.open(env("SHOT_OUT"), "w")
f:write(vim.fn.json_encode(result))
f:close()
vim.cmd("qa!")
