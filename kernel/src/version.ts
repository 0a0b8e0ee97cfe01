import path from "node:path";

// dist/version.js → ../package.json; read at run time because package.json is outside rootDir.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const PARALAB_VERSION: string = require(path.join(__dirname, "..", "package.json")).version;
