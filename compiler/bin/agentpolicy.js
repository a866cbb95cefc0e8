#!/usr/bin/env node
// Launcher: the CLI lives in the built output (`npm run build`, run by `prepare`).
import { main } from "../dist/cli/main.js";
main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
