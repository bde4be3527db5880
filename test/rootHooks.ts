// Mocha root hooks for the Node tier: after every test, each sandbox still running must have met every fault the
// test queued (a fault left over would hit the next test's first request), and is reset for the next test.

import { liveSandboxes, stopManagedIdentitySandbox } from './helpers';

export const mochaHooks = {
  // The one managed-identity sandbox (helpers.ts) lives for the whole run, whichever files use it.
  afterAll: stopManagedIdentitySandbox,
  afterEach(this: Mocha.Context) {
    const leftover: string[] = [];
    for (const sandbox of liveSandboxes) {
      if (sandbox.pendingFaults > 0) leftover.push(`${sandbox.authority}: ${sandbox.pendingFaults} fault(s)`);
      sandbox.clearRecords();
    }
    if (leftover.length && this.currentTest?.state !== 'failed') {
      throw new Error(
        `"${this.currentTest?.fullTitle()}" left queued sandbox faults unused (${leftover.join('; ')}): each fault a test injects must be met by one of its requests.`,
      );
    }
  },
};
