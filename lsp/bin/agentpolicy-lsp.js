#!/usr/bin/env node
// Launcher: the server lives in the built output (`npm run build`, run by `prepare`).
import "../dist/server.js";
