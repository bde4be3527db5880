// dist/shared.js: the error classes every other bundle throws or tests with instanceof, and the bounded file reader (its FileReadError likewise). One copy, required by all
// bundles, so an error made in a lazily loaded chunk is still an instance of the class the extension checks. And the
// memory of values sent as credentials (sentValues): the engine remembers, every face's writer checks, one memory.
export * from '../core/errors/errors';
export * from '../core/errors/entraError';
export * from '../core/safety/boundedFile';
export * from '../core/safety/sentValues';
