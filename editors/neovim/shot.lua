-- .shot files in Neovim 0.7 or newer, with no plugin: `shot lsp` attached to every .shot buffer
-- (diagnostics as you type, hover, completion, go-to-definition, references, rename, format,
-- code actions, and the live preview's cursor and click-to-jump).
--
-- In init.lua:   dofile("/path/to/shotspec/editors/neovim/shot.lua").setup()
-- Options:       setup({ cmd = { "/path/to/venv/bin/shot", "lsp" } })
local M = {}
local clients = {}      -- project folder -> client id: one server per folder, shared by its buffers

local function attach(buf, cmd)
  local root = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(buf), ":p:h")
  local id = clients[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client({ name = "shot", cmd = cmd, root_dir = root })
    clients[root] = id
  end
  if id ~= nil then
    vim.lsp.buf_attach_client(buf, id)
  end
end

function M.setup(opts)
  opts = opts or {}
  local cmd = opts.cmd or { "shot", "lsp" }
  vim.api.nvim_create_autocmd({ "BufRead", "BufNewFile" }, {
    pattern = "*.shot",
    callback = function(args)
      vim.bo[args.buf].filetype = "shot"
      vim.bo[args.buf].commentstring = "// %s"
      attach(args.buf, cmd)
    end,
  })
end

return M
