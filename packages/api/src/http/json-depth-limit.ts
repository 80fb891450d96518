// The JSON nesting limit of request bodies and its message: a leaf, shared by the middleware that checks bodies
// (json-depth.ts) and the error handler that catches a stack overflow (errors.ts).

/**
 * How deeply a JSON request body may nest arrays and objects on /api and /v1. Real bodies (grader files, JSON Schemas,
 * test items, chat requests) nest a handful of levels; a body nested thousands deep overflows the stack of whatever
 * walks it next (validation, JSON.stringify of the answer), so it is refused before anything reads it. Above the 100
 * levels a line of a data file may nest (formats' MAX_JSON_DEPTH), so a test item as imported can be sent back inside a
 * request (the grader playground's `item`).
 */
export const MAX_JSON_DEPTH = 128;

/** The message of a body refused for nesting deeper than `max`. */
export const tooDeep = (max: number) =>
  `the JSON body nests arrays and objects more than ${max} levels deep (the limit is ${max}); send a flatter body`;
