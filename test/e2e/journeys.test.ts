// Browser journeys: a user in a real VS Code (code-server + headless Chromium) with the packaged .vsix installed.
// Screenshots go to test-artifacts/ (ignored).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, installVsix, root, startCodeServer, type Browser, type CodeServer } from '../vscode/codeServer';

const RUN_DIR = join(root, '.vscode-test', 'runs', 'journeys');
const ARTIFACTS = join(root, 'test-artifacts');
const VSIX = join(root, 'out', 'entra-agent-tokens.vsix');

describe('journeys in a real VS Code', function () {
  let server: CodeServer;
  let browser: Browser;
  let page: Page;

  before(async function () {
    rmSync(RUN_DIR, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    // The real package: vscode:prepublish builds for production, vsce packs, code-server installs it.
    execFileSync('npm', ['run', '--silent', 'package', '--', '--out', VSIX], { cwd: root, stdio: 'pipe' });
    server = await startCodeServer({ dir: RUN_DIR });
    installVsix(server, VSIX);
    browser = await launchBrowser(join(RUN_DIR, 'chromium'));
    page = browser.page;
    await page.goto(`${server.url}/?folder=${encodeURIComponent(join(RUN_DIR, 'workspace'))}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // A wider side bar, so the screenshots show the tree's descriptions.
    const sidebar = await page.locator('.part.sidebar').boundingBox();
    if (sidebar) {
      await page.mouse.move(sidebar.x + sidebar.width + 1, sidebar.y + 300);
      await page.mouse.down();
      await page.mouse.move(sidebar.x + sidebar.width + 260, sidebar.y + 300, { steps: 5 });
      await page.mouse.up();
    }
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page && !page.isClosed()) await shot(`failed-${this.currentTest.title.slice(0, 20).replace(/\W+/g, '-')}`);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  const treeItem = (name: string | RegExp) => page.getByRole('treeitem', { name });

  async function runCommand(title: string) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(`>${title}`);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
    await input.press('Enter');
  }

  it('1: open the view, start the sandbox, get a token, see its countdown', async () => {
    await page.locator('.activitybar .action-item a[aria-label^="Entra Agent Tokens"]').click();
    const start = page.getByRole('region', { name: 'Welcome' }).getByRole('button', { name: 'Start Sandbox Tenant' });
    await start.waitFor({ timeout: 30_000 });
    await shot('journey-1-welcome');
    await start.click();
    await treeItem(/Sandbox Blueprint/).waitFor({ timeout: 30_000 });
    await treeItem(/Research Agent/).waitFor();
    await treeItem(/Support Agent/).waitFor();
    const agent = treeItem(/Research Agent/);
    await agent.hover();
    await agent.locator('a.action-label[aria-label="Get Agent Token"]').click();
    const token = treeItem(/graph\.microsoft\.com\/\.default/);
    await token.waitFor({ timeout: 30_000 });
    assert.match((await token.textContent()) ?? '', /expires in 8 h/);
    await page.locator('.statusbar-item', { hasText: 'Research Agent' }).first().waitFor();
    await token.hover();
    await shot('journey-1-token');
    // Reported, not asserted: what the extension logged about its activation.
    const log = listFiles(join(server.userDataDir, 'logs')).find((f) => f.endsWith('Entra Agent Tokens.log'));
    const activated = log ? /Activated in [\d.?]+ ms[^\n]*/.exec(readFileSync(log, 'utf8'))?.[0] : undefined;
    console.log(`      (extension: ${activated ?? 'no activation line found in the log'})`);
  });

  it('2: add a blueprint through the real input boxes; its secret is nowhere in the user data', async () => {
    const secret = `journey-secret-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    await runCommand('Entra Agent Tokens: Add Blueprint…');
    const input = page.locator('.quick-input-widget input');
    // Each step is a new box: wait for its title before typing, or the text lands in the box that is closing.
    const answer = async (step: number, text: string) => {
      await page.locator('.quick-input-title', { hasText: `(${step}/5)` }).waitFor();
      await input.fill(text);
      await input.press('Enter');
    };
    await answer(1, 'contoso.onmicrosoft.com');
    await answer(2, 'not-a-guid');
    await page.locator('.quick-input-message', { hasText: 'is not a GUID' }).waitFor();
    await shot('journey-2-validation');
    await answer(2, 'c0ffee00-1234-4abc-9def-0123456789ab');
    await answer(3, 'Journey Blueprint');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Client secret' }).waitFor();
    await answer(4, 'Client secret');
    await page.locator('.quick-input-widget input[type="password"]').waitFor();
    await answer(5, secret);
    await treeItem(/Journey Blueprint/).waitFor({ timeout: 30_000 });
    await shot('journey-2-blueprint');
    // Let the workbench persist what it will, then stop the server so every file is written and closed.
    await page.waitForTimeout(1500);
    await browser.close();
    await server.stop();
    const hits = scan(server.userDataDir, secret).concat(scan(server.extensionsDir, secret));
    assert.deepEqual(hits, [], `the secret appears in: ${hits.join(', ')}`);
    const scanned = listFiles(server.userDataDir);
    assert.ok(scanned.some((f) => f.endsWith('settings.json') || f.includes('logs')), 'the scan saw the user data');
  });
});

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** Files under dir holding the text, as UTF-8 or UTF-16. */
function scan(dir: string, text: string): string[] {
  const needles = [Buffer.from(text, 'utf8'), Buffer.from(text, 'utf16le')];
  return listFiles(dir).filter((f) => statSync(f).size < 200 * 1024 * 1024 && needles.some((n) => readFileSync(f).includes(n)));
}
