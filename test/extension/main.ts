// The main phase's suites, in order: the secrets suite leaves nothing behind for the others.
import './secrets.test';
import './commands.test';
import './sidecar.test';
