/**
 * ECMAScript's own rule for a binding name: IdentifierName (Unicode ID_Start / ID_Continue, `$`,
 * `_`, ZWNJ, ZWJ) that is not a reserved word. `ñ`, `π` and `数据` are names; `1b` and `class` are not.
 */
const IDENTIFIER_NAME = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*$/u;

const RESERVED = new Set(
  (
    "await break case catch class const continue debugger default delete do else enum export extends false " +
    "finally for function if import in instanceof new null return super switch this throw true try typeof var " +
    "void while with yield let static implements interface package private protected public"
  ).split(" "),
);

export function isIdentifier(name: string): boolean {
  return IDENTIFIER_NAME.test(name) && !RESERVED.has(name);
}
