// dist/node-forge.js: loaded only to open a PFX certificate.
import forge from 'node-forge';

export default forge;
