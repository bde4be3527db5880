// Bundled on its own as dist/node-forge.js: the extension loads it only to open a PFX certificate.
import forge from 'node-forge';

export default forge;
