// The token inspector's browser side. Everything from a token arrives as a string and is set with textContent:
// claim values are attacker-controlled and are never parsed as HTML.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import {
  COPY_KINDS,
  type ClaimRow,
  type CopyWhat,
  type HostToWebview,
  type InspectorState,
  type InspectorView,
  type LegView,
  type SignatureView,
  type TokenColumn,
  type WebviewRequest,
  type WebviewResponse,
  type WebviewToHost,
} from '../webview/protocol';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  setState(state: InspectorState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') as HTMLElement;
const status = document.getElementById('status') as HTMLElement;
let countdown: ReturnType<typeof setInterval> | undefined;

/** Requests waiting for the host's response, by id. */
const pending = new Map<number, (response: WebviewResponse) => void>();
let nextId = 1;

/** Sends a request; its response is announced to screen readers (and resolves the promise). */
function request(message: DistributiveOmit<WebviewRequest, 'id'>): Promise<WebviewResponse> {
  const id = nextId++;
  return new Promise<WebviewResponse>((resolve) => {
    pending.set(id, resolve);
    vscode.postMessage({ ...message, id } as WebviewRequest);
  }).then((response) => {
    status.textContent = response.message;
    return response;
  });
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

type Child = Node | string | undefined | false;

/** Builds an element; strings become text nodes, never markup. */
function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Record<string, string>,
  ...children: Child[]
): HTMLElementTagNameMap[K];
function el(tag: string, attrs?: Record<string, string>, ...children: Child[]): HTMLElement;
function el(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children)
    if (c !== undefined && c !== false) node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return node;
}

function button(label: string, icon: string, onClick: () => void, secondary = true): HTMLElement {
  const b = el('vscode-button', { icon, ...(secondary ? { secondary: '' } : {}), 'aria-label': label });
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

function formatRemaining(ms: number): string {
  if (ms <= 0) return 'expired';
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `expires in ${h ? `${h} h ` : ''}${h || m ? `${m} min ` : ''}${sec} s`;
}

function tickCountdowns(): void {
  const now = Date.now();
  for (const node of Array.from(document.querySelectorAll<HTMLElement>('[data-exp]'))) {
    const ms = Number(node.dataset.exp) * 1000 - now;
    node.textContent = formatRemaining(ms);
    node.classList.toggle('expired', ms <= 0);
  }
}

function signatureBadge(sig: SignatureView, column: number): HTMLElement {
  const [cls, icon, text, detail] = ((): [string, string, string, string | undefined] => {
    switch (sig.status) {
      case 'pending':
        return ['pending', 'loading', 'Checking the signature…', undefined];
      case 'verified':
        return ['ok', 'pass', 'Signature verified', `key ${sig.kid} from ${sig.jwksUri}`];
      case 'failed':
        return ['bad', 'error', 'Signature check failed', sig.reason];
      case 'not-verifiable':
        return ['info', 'info', 'Not verifiable by design', sig.reason];
      case 'unavailable':
        return ['warn', 'warning', 'Signature not checked', sig.reason];
      case 'ask':
        return ['warn', 'question', 'Signature not checked yet', sig.reason];
    }
  })();
  // A host outside Entra is contacted only when the user asks, with the host named on the button.
  const ask =
    sig.status === 'ask'
      ? button(`Check keys at ${sig.host}`, 'shield', () => void request({ type: 'verify', column }))
      : undefined;
  return el(
    'div',
    { class: `signature ${cls}`, 'data-signature': sig.status },
    el('span', { class: `codicon codicon-${icon}`, 'aria-hidden': 'true' }),
    el('strong', {}, text),
    detail ? el('span', { class: 'detail' }, ` ${detail}`) : undefined,
    ask,
  );
}

function tokenCard(col: TokenColumn, index: number): HTMLElement {
  return el(
    'section',
    { class: 'token-card', 'aria-label': col.heading, 'data-column': String(index) },
    el('h2', {}, col.heading),
    col.exp !== undefined
      ? el('div', { class: 'countdown', 'data-exp': String(col.exp) })
      : el('div', { class: 'muted' }, 'no expiry'),
    el('div', { class: 'signature-slot' }, signatureBadge(col.signature, index)),
    ...col.warnings.map((w) =>
      el(
        'div',
        { class: 'warning', role: 'note' },
        el('span', { class: 'codicon codicon-warning', 'aria-hidden': 'true' }),
        ` ${w}`,
      ),
    ),
    el('details', {}, el('summary', {}, 'Header'), el('code', { class: 'header-json' }, col.header)),
  );
}

function timeline(legs: readonly LegView[]): HTMLElement {
  return el(
    'section',
    { class: 'timeline', 'aria-label': 'The exchange, leg by leg' },
    el('h2', {}, 'The exchange'),
    el(
      'ol',
      {},
      ...legs.map((leg, i) =>
        el(
          'li',
          { class: 'leg' },
          el(
            'div',
            { class: 'lane' },
            el('span', { class: 'actor' }, leg.from),
            el('span', { class: 'arrow', 'aria-hidden': 'true' }, ' ──POST /token──▶ '),
            el('span', { class: 'actor' }, leg.host),
          ),
          el(
            'div',
            { class: 'leg-result' },
            leg.cached
              ? `leg ${i + 1}: from the cache (no request sent)`
              : `leg ${i + 1}: HTTP ${leg.status} in ${leg.durationMs} ms`,
          ),
          el(
            'div',
            { class: 'params' },
            ...leg.parameters.map(([k, v]) =>
              el(
                'span',
                { class: 'param' },
                el('span', { class: 'pname' }, k),
                '=',
                el('span', { class: 'pvalue' }, v),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

const LONG = 400;

/** A claim value as text; a very long one is cut, with the whole value one click away. */
function valueText(v: string): HTMLElement {
  if (v.length <= LONG) return el('span', { class: 'text' }, v);
  return el(
    'span',
    {},
    el('span', { class: 'text' }, `${v.slice(0, LONG)}…`),
    el(
      'details',
      {},
      el('summary', {}, `show all ${v.length.toLocaleString()} characters`),
      el('span', { class: 'text full' }, v),
    ),
  );
}

function claimsTable(view: InspectorView): HTMLElement {
  const two = view.columns.length === 2;
  const head = el(
    'tr',
    {},
    el('th', { scope: 'col' }, 'Claim'),
    ...view.columns.map((c) => el('th', { scope: 'col' }, c.heading)),
    el('th', { scope: 'col' }, 'Meaning'),
  );
  const body = view.rows.map((row: ClaimRow) =>
    el(
      'tr',
      { class: row.differs && two ? 'differs' : '', 'data-claim': row.name },
      el(
        'th',
        { scope: 'row' },
        el('code', {}, row.name),
        row.differs && two
          ? el('span', { class: 'differs-mark' }, row.values.includes(null) ? 'only in one' : 'differs')
          : undefined,
      ),
      ...row.values.map((v, i) =>
        el(
          'td',
          { class: 'value' },
          v === null ? el('span', { class: 'muted', 'aria-label': 'not present' }, '—') : valueText(v),
          row.details[i] ? el('div', { class: 'detail' }, row.details[i] ?? '') : undefined,
        ),
      ),
      el('td', { class: 'meaning' }, row.meaning ?? ''),
    ),
  );
  return el(
    'table',
    { class: 'claims' },
    el(
      'caption',
      {},
      two
        ? 'Claims of T1 and the final token; rows that differ in a way that matters are marked.'
        : 'Claims of the token.',
    ),
    el('thead', {}, head),
    el('tbody', {}, ...body),
  );
}

function copyBar(view: InspectorView): HTMLElement {
  const url = el('vscode-textfield', {
    value: view.defaultCurlUrl,
    id: 'curl-url',
    class: 'curl-url',
  }) as HTMLElement & { value: string; label: string };
  // The inner input's accessible name: a property only (no attribute), so it is set here.
  url.label = 'URL for curl';
  const label = el('label', { for: 'curl-url', class: 'curl-label' }, 'URL for curl');
  // The button says "Copied ✓" for a moment; the live region (#status) tells screen readers.
  const copyButton = (what: CopyWhat, icon: string, primary = false) => {
    const b = button(
      COPY_KINDS[what].button,
      icon,
      () => {
        void request({ type: 'copy', what, ...(what === 'curl' ? { url: url.value } : {}) }).then((response) => {
          if (response.outcome !== 'done') return;
          b.textContent = 'Copied ✓';
          setTimeout(() => (b.textContent = COPY_KINDS[what].button), 1500);
        });
      },
      !primary,
    );
    return b;
  };
  return el(
    'section',
    { class: 'copy-bar', 'aria-label': 'Copy' },
    copyButton('token', 'copy', true),
    copyButton('bearer', 'key'),
    label,
    url,
    copyButton('curl', 'terminal'),
    el(
      'span',
      { class: 'muted shell-note' },
      'The curl line is quoted for POSIX shells (bash, zsh, sh), not for PowerShell or cmd.',
    ),
  );
}

function render(view: InspectorView): void {
  if (countdown) clearInterval(countdown);
  const parts: Node[] = [
    el('header', {}, el('h1', {}, view.title), el('div', { class: 'muted' }, view.subtitle)),
    copyBar(view),
    el('div', { class: `cards cols-${view.columns.length}` }, ...view.columns.map(tokenCard)),
  ];
  if (view.legs.length) parts.push(timeline(view.legs));
  parts.push(claimsTable(view));
  app.replaceChildren(...parts);
  tickCountdowns();
  countdown = setInterval(tickCountdowns, 1000);
}

window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
  const message = event.data;
  switch (message.type) {
    case 'show':
      vscode.setState(message.state);
      render(message.view);
      break;
    case 'signature': {
      const slot = document.querySelector(`[data-column="${message.column}"] .signature-slot`);
      slot?.replaceChildren(signatureBadge(message.signature, message.column));
      break;
    }
    case 'empty':
      if (countdown) clearInterval(countdown);
      vscode.setState({});
      app.replaceChildren(el('p', { class: 'empty' }, message.message));
      break;
    case 'response':
      pending.get(message.id)?.(message);
      pending.delete(message.id);
      break;
    default:
      message satisfies never;
  }
});

vscode.postMessage({ type: 'ready' });
