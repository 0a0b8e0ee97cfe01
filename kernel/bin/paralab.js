#!/usr/bin/env node
/* global __dirname, process, console */
// The `paralab` command. It is a committed file, not dist/cli/main.js itself, so that npm can
// link it when a clone is installed (npm links workspace bins before anything is built, and
// skips a bin whose file is missing); the compiled CLI does the work. Kernel specs point here.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const main = path.join(__dirname, "..", "dist", "cli", "main.js");
if (!fs.existsSync(main)) {
  console.error(`paralab: ${main} is missing, so paralab is not built. In a clone of paralab, run: npm run build`);
  process.exit(1);
}
require(main);
