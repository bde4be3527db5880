// dist/azure-identity.js (about 380 KB): loaded only when a blueprint authenticates with a managed identity, so
// activation, the CLI and every other path stay light.
export { ManagedIdentityCredential } from '@azure/identity';
