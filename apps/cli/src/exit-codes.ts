/** 0 ok, 1 a check failed (validation, gate), 2 usage or internal error. */
export const EXIT = { ok: 0, checkFailed: 1, error: 2 } as const;
