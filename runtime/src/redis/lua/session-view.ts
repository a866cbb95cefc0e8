/**
 * The session view script: one consistent snapshot of a session's allowed-call counts and labels.
 * KEYS: [1] session counts (HASH tool → n), [2] session labels (SET).
 * Returns `{ counts as a flat [tool, n, ...] list, labels }`.
 */
export const SESSION_VIEW_SCRIPT = `
return { redis.call('HGETALL', KEYS[1]), redis.call('SMEMBERS', KEYS[2]) }
`;
