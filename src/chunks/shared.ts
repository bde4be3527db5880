// dist/shared.js: the error classes (and their catalog of explanations) every other bundle throws or tests with instanceof. One copy, required by all
// bundles, so an error made in a lazily loaded chunk is still an instance of the class the extension checks.
export * from '../core/errors';
export * from '../core/entraError';
export * from '../core/errorCatalog';
