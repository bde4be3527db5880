// Click → inspector, measured in a real VS Code (code-server + headless Chromium) with the packaged .vsix: when the
// tab appears, when the webview's document loads, when the first leg shows, when the claims show. Round 1 is the
// first webview of a fresh browser profile; rounds 2–4 open the inspector again (all editors closed in between).
// Run by `npm run bench` (bench/index.ts), which prints the figures; nothing is timed against a goal here. It fails
// only if the inspector never shows, so a broken benchmark cannot print figures.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { installVsix, launchBrowser, root, startCodeServer } from '../../test/vscode/codeServer';

const RUN_DIR = join(root, '.vscode-test', 'runs', 'bench-inspector');
const VSIX = join(root, 'out', 'entra-agent-tokens.vsix');

describe('inspector benchmark', function () {
  this.timeout(300_000);
  it('times click → tab, webview document, first leg, claims', async () => {
    rmSync(RUN_DIR, { recursive: true, force: true });
    execFileSync('npm', ['run', '--silent', 'package', '--', '--out', VSIX], { cwd: root, stdio: 'pipe' });
    const server = await startCodeServer({ dir: RUN_DIR });
    installVsix(server, VSIX);
    const browser = await launchBrowser(join(RUN_DIR, 'chromium'));
    try {
      const page = browser.page;
      await page.goto(`${server.url}/?folder=${encodeURIComponent(join(RUN_DIR, 'workspace'))}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await page.locator('.activitybar .action-item a[aria-label^="Entra Agent Tokens"]').click();
      const start = page.getByRole('region', { name: 'Welcome' }).getByRole('button', { name: 'Start Sandbox Tenant' });
      await start.waitFor({ timeout: 30_000 });
      await start.click();
      const treeItem = (name: RegExp) => page.getByRole('treeitem', { name }).first();
      await treeItem(/Support Agent/).waitFor({ timeout: 30_000 });
      const inner = () => page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
      const agents = [/Research Agent/, /Support Agent/, /Research Agent/, /Support Agent/];
      for (const [i, name] of agents.entries()) {
        const agent = treeItem(name);
        await agent.hover();
        const t0 = Date.now();
        const at: Record<string, number> = {};
        const mark = (what: string) => () => (at[what] = Date.now() - t0);
        await agent.locator('a.action-label[aria-label="Get Agent Token"]').click();
        await Promise.all([
          page.locator('.tab', { hasText: 'Agent token for' }).first().waitFor().then(mark('tab')),
          inner().locator('#app').waitFor({ timeout: 30_000 }).then(mark('document')),
          inner().locator('li[data-leg="blueprint"]').first().waitFor({ timeout: 30_000 }).then(mark('leg')),
          inner().locator('tr[data-claim="aud"]').waitFor({ timeout: 30_000 }).then(mark('claims')),
        ]);
        console.log(
          `inspector round ${i + 1} (${i === 0 ? 'first webview' : 'again'}): tab ${at.tab} ms, webview document ${at.document} ms, first leg ${at.leg} ms, claims ${at.claims} ms`,
        );
        await page.locator('.part.sidebar .composite.title').click();
        await page.keyboard.press('F1');
        await page.locator('.quick-input-widget input').fill('>View: Close All Editors');
        await page.keyboard.press('Enter');
        await page.locator('.tab', { hasText: 'Agent token for' }).waitFor({ state: 'detached' });
        await page.waitForTimeout(500);
      }
    } finally {
      await browser.close();
      await server.stop();
    }
  });
});
