// dist/guard.js: the matcher of values sent as credentials (encodedMatch: the canonical form, the spellings, the
// scrub of an echo), loaded the first time there is something to look for; the memory itself is in shared.
export * from '../core/safety/encodedMatch';
