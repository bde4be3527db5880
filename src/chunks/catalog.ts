// dist/catalog.js: what each AADSTS code means and where its fix is made (errorCatalog), required by the first
// EntraError made (entraError.ts) and by the chunks that explain codes; its text stays out of activation.
export * from '../core/errors/errorCatalog';
