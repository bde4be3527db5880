// Bundled on its own as dist/azure-identity.js (about 1 MB with its msal): the extension loads it only when a
// blueprint authenticates with a managed identity, so activation and every other path stay light.
export { ManagedIdentityCredential } from '@azure/identity';
