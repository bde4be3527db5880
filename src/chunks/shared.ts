// dist/shared.js: the error classes (and their catalog of explanations) every other bundle throws or tests with instanceof, and the bounded file reader (its FileReadError likewise). One copy, required by all
// bundles, so an error made in a lazily loaded chunk is still an instance of the class the extension checks.
export * from '../core/errors';
export * from '../core/entraError';
export * from '../core/errorCatalog';
export * from '../core/boundedFile';
