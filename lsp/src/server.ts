// The language server arrives with issue 5; this entry point exists so the bin resolves.
process.stderr.write("agentpolicy-lsp: not implemented yet\n");
process.exitCode = 1;
export {};
