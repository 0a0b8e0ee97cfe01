/**
 * Own property that marks paralab's shared-memory objects. Structured clone keeps own data
 * properties but drops prototypes, so a cloned Mutex arrives as `{__paralab: "Mutex", state}`
 * and `reviveShared` rebuilds the class around the same SharedArrayBuffer.
 */
export const SHARED_TAG = "__paralab";
