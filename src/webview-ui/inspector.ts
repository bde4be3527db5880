// The token inspector's browser side. Everything from a token arrives as a string and is set with textContent:
// claim values are attacker-controlled and are never parsed as HTML.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import {
  COPY_KINDS,
  type CallView,
  type ClaimRow,
  type CopyWhat,
  type FailureView,
  type HostToWebview,
  type InspectorState,
  type InspectorView,
  type LegView,
  type ProgressView,
  type RequestDraft,
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

function timeline(legs: readonly LegView[], waiting = 0, stopped = false): HTMLElement {
  const pendingLegs = Array.from({ length: waiting }, (_, k) =>
    el(
      'li',
      { class: 'leg pending', 'data-leg': 'waiting' },
      el(
        'div',
        { class: 'leg-result' },
        stopped
          ? `leg ${legs.length + k + 1}: not sent`
          : k === 0
            ? el(
                'span',
                {},
                el('span', { class: 'codicon codicon-loading codicon-modifier-spin', 'aria-hidden': 'true' }),
                ` leg ${legs.length + 1}: waiting for the answer…`,
              )
            : `leg ${legs.length + k + 1}: next`,
      ),
    ),
  );
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
          { class: 'leg', 'data-leg': leg.name },
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
              : leg.refused
                ? el(
                    'span',
                    { class: 'refused' },
                    el('span', { class: 'codicon codicon-error', 'aria-hidden': 'true' }),
                    ` leg ${i + 1}: sent, refused: HTTP ${leg.status} ${leg.refused} in ${leg.durationMs} ms`,
                  )
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
      ...pendingLegs,
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
  if (view.editor) return editorCopyBar();
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

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

function field(id: string, label: string, control: HTMLElement): HTMLElement {
  control.id = id;
  return el('div', { class: 'field' }, el('label', { for: id }, label), control);
}

function select(options: readonly { value: string; label: string }[], value: string): HTMLSelectElement {
  const s = el('select', {}, ...options.map((o) => el('option', { value: o.value }, o.label)));
  s.value = value;
  return s;
}

/**
 * The request editor: who calls (the agent), how (method, URL, headers, body), and Send. The host gets the agent's
 * token for the URL's resource, checks the host, calls, and answers with the response and why it failed.
 */
function requestEditor(view: InspectorView): HTMLElement | undefined {
  const editor = view.editor;
  if (!editor) return undefined;
  const { draft } = editor;
  const agent = select(
    editor.agents.map((a) => ({ value: a.id, label: a.name })),
    draft.agentId,
  );
  const method = select(
    (METHODS.includes(draft.method) ? METHODS : [draft.method, ...METHODS]).map((m) => ({ value: m, label: m })),
    draft.method,
  );
  const url = el('vscode-textfield', { value: draft.url, class: 'call-url' }) as HTMLElement & {
    value: string;
    label: string;
  };
  url.label = 'URL';
  const headers = el('textarea', { rows: '3', spellcheck: 'false', placeholder: 'Accept: application/json' });
  headers.value = draft.headers;
  const body = el('textarea', { rows: '4', spellcheck: 'false', placeholder: '{ "json": "body" }' });
  body.value = draft.body;
  const current = (scope?: string): RequestDraft => ({
    agentId: agent.value,
    method: method.value,
    url: url.value,
    headers: headers.value,
    body: body.value,
    ...(scope ? { scope } : {}),
  });
  sendDraft = (scope) => send(current(scope), sendButton);
  const sendButton = button('Send', 'send', () => sendDraft?.(), false);
  sendButton.id = 'send';
  url.addEventListener('keydown', (e) => {
    if ((e as KeyboardEvent).key === 'Enter') sendDraft?.();
  });
  const open = draft.headers !== '' || draft.body !== '';
  return el(
    'section',
    { class: 'request', 'aria-label': 'Call an API with the token' },
    el('h2', {}, 'Call an API'),
    el(
      'div',
      { class: 'request-line' },
      field('call-agent', 'As', agent),
      field('call-method', 'Method', method),
      field('call-url', 'URL', url),
      sendButton,
    ),
    el(
      'details',
      open ? { open: '' } : {},
      el('summary', {}, 'Headers and body'),
      el(
        'div',
        { class: 'request-extra' },
        field('call-headers', 'Headers (one "Name: value" per line)', headers),
        field('call-body', 'Body', body),
      ),
    ),
  );
}

/** The editor's Send (also used by "Retry with scope …"). */
let sendDraft: ((scope?: string) => void) | undefined;

function send(draft: RequestDraft, sendButton: HTMLElement): void {
  sendButton.setAttribute('disabled', '');
  void request({ type: 'call', draft }).then(() => sendButton.removeAttribute('disabled'));
}

function statusClass(status: number): string {
  return status >= 400 ? 'bad' : status >= 300 ? 'warn' : 'ok';
}

/** The call and its answer. The body is text (JSON pretty-printed): it is never rendered as HTML. */
function callSection(call: CallView): HTMLElement {
  const heading = el('h2', {}, `${call.method} ${call.url}`);
  const who = el('div', { class: 'muted' }, `as ${call.agentName} · token for ${call.scope}`);
  if (call.pending)
    return el(
      'section',
      { class: 'call', 'aria-label': 'The call', 'data-call': 'pending' },
      heading,
      who,
      el(
        'p',
        {},
        el('span', { class: 'codicon codicon-loading codicon-modifier-spin', 'aria-hidden': 'true' }),
        ' Waiting for the answer…',
      ),
    );
  if (call.error || call.status === undefined)
    return el(
      'section',
      { class: 'call', 'aria-label': 'The call', 'data-call': 'error' },
      heading,
      who,
      el('div', { class: 'explanation bad', role: 'alert' }, call.error ?? 'No answer.'),
    );
  const status = call.status;
  const parts: Child[] = [
    heading,
    who,
    el(
      'div',
      { class: `status-line ${statusClass(status)}`, 'data-status': String(status) },
      el('span', {
        class: `codicon codicon-${status >= 400 ? 'error' : status >= 300 ? 'info' : 'pass'}`,
        'aria-hidden': 'true',
      }),
      el('strong', {}, ` HTTP ${status} ${call.statusText ?? ''}`),
      el('span', { class: 'muted' }, ` in ${call.durationMs ?? 0} ms`),
    ),
  ];
  if (call.explanation) {
    parts.push(
      el(
        'div',
        { class: 'explanation', role: 'note', 'aria-label': 'Why the API refused' },
        // The summary is the first cause again (it stands alone in notifications): here each cause is said once.
        el(
          'strong',
          { class: 'summary' },
          call.explanation.causes.length
            ? call.explanation.causes.length === 1
              ? 'Why: the likely cause'
              : `Why: ${call.explanation.causes.length} likely causes, the likeliest first`
            : call.explanation.summary,
        ),
        el(
          'ol',
          { class: 'causes' },
          ...call.explanation.causes.map((c) =>
            el(
              'li',
              { class: 'cause' },
              el('div', { class: 'cause-text' }, c.cause),
              el('div', {}, el('span', { class: 'label' }, 'Evidence: '), el('span', { class: 'text' }, c.evidence)),
              el('div', {}, el('span', { class: 'label' }, 'Fix: '), c.fix),
              c.action
                ? el(
                    'div',
                    { class: 'actions' },
                    button(
                      c.action.label,
                      'tools',
                      () => void request({ type: 'act', action: c.action!.action }),
                      false,
                    ),
                  )
                : undefined,
            ),
          ),
        ),
      ),
    );
  }
  if (call.metadata) {
    const m = call.metadata;
    parts.push(
      el(
        'div',
        { class: 'metadata' },
        `The API describes itself (RFC 9728): resource ${m.resource ?? '(not given)'}; scopes ${m.scopes.join(', ') || '(none listed)'}.`,
        m.retryScope ? button(`Retry with ${m.retryScope}`, 'refresh', () => sendDraft?.(m.retryScope)) : undefined,
      ),
    );
  }
  const headers = call.headers ?? [];
  parts.push(
    el(
      'details',
      {},
      el('summary', {}, `Response headers (${headers.length})`),
      el(
        'dl',
        { class: 'response-headers' },
        ...headers.flatMap(([k, v]) => [el('dt', {}, k), el('dd', { class: 'text' }, v)]),
      ),
    ),
  );
  parts.push(
    call.bodyKind === 'empty'
      ? el('p', { class: 'muted' }, 'No body.')
      : el('pre', { class: 'response-body text', tabindex: '0', 'aria-label': 'Response body' }, call.body ?? ''),
    call.truncated ? el('p', { class: 'muted' }, 'The body was cut at 1 MiB.') : undefined,
  );
  return el('section', { class: 'call', 'aria-label': 'The call', 'data-call': String(status) }, ...parts);
}

/** What a screen reader hears when the answer arrives. */
function callAnnouncement(call: CallView): string {
  if (call.status === undefined) return call.error ?? 'The call failed.';
  return `HTTP ${call.status} ${call.statusText ?? ''}.${call.explanation ? ` ${call.explanation.summary}` : ''}`;
}

/** Why the exchange failed: one cause / evidence / fix block, and the host's buttons that fix it. */
function failureBlock(f: FailureView): HTMLElement {
  return el(
    'div',
    { class: 'explanation bad failure', role: 'alert', 'aria-label': 'Why the exchange failed' },
    f.simulated
      ? el(
          'div',
          { class: 'simulated' },
          el('span', { class: 'codicon codicon-beaker', 'aria-hidden': 'true' }),
          ` ${f.simulated}`,
        )
      : undefined,
    el(
      'div',
      { class: 'cause-text' },
      el('span', { class: 'codicon codicon-error', 'aria-hidden': 'true' }),
      ` ${f.cause}`,
    ),
    f.evidence ? el('div', {}, el('span', { class: 'label' }, 'Evidence: '), f.evidence) : undefined,
    f.said
      ? el('div', {}, el('span', { class: 'label' }, 'Entra said: '), el('span', { class: 'text' }, f.said))
      : undefined,
    f.fix ? el('div', {}, el('span', { class: 'label' }, 'Fix: '), f.fix) : undefined,
    f.actions.length
      ? el(
          'div',
          { class: 'actions' },
          ...f.actions.map((a, i) =>
            button(
              a.label,
              a.label === 'Retry' ? 'refresh' : a.label.startsWith('Copy') ? 'copy' : 'tools',
              () => void request({ type: 'act', action: a.action }),
              i > 0,
            ),
          ),
        )
      : undefined,
  );
}

function renderProgress(p: ProgressView): void {
  if (countdown) clearInterval(countdown);
  sendDraft = undefined;
  const stopped = p.state !== 'running';
  app.replaceChildren(
    el('header', {}, el('h1', {}, p.title), el('div', { class: 'muted' }, p.subtitle)),
    p.failure
      ? failureBlock(p.failure)
      : p.message
        ? el(
            'div',
            { class: 'explanation bad', role: 'alert' },
            el('span', { class: 'codicon codicon-error', 'aria-hidden': 'true' }),
            ` ${p.message}`,
          )
        : '',
    timeline(p.legs, Math.max(0, p.totalLegs - p.legs.length), stopped),
    p.call && !stopped ? el('p', { class: 'muted' }, `Then: ${p.call.method} ${p.call.url}`) : '',
  );
}

/** With a request editor, curl copies its URL (as GET): one URL box, not two. */
function editorCopyBar(): HTMLElement {
  const copyButton = (what: CopyWhat, icon: string, primary = false) => {
    const b = button(
      what === 'curl' ? 'Copy curl for the URL (bash, zsh)' : COPY_KINDS[what].button,
      icon,
      () => {
        const url = (document.querySelector('.call-url') as (HTMLElement & { value: string }) | null)?.value;
        void request({ type: 'copy', what, ...(what === 'curl' ? { url } : {}) }).then((response) => {
          if (response.outcome !== 'done') return;
          const label = b.textContent;
          b.textContent = 'Copied ✓';
          setTimeout(() => (b.textContent = label), 1500);
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
    copyButton('curl', 'terminal'),
  );
}

function render(view: InspectorView): void {
  if (countdown) clearInterval(countdown);
  sendDraft = undefined;
  const editor = requestEditor(view);
  const parts: Node[] = [
    el(
      'header',
      {},
      el('h1', {}, view.title),
      el('div', { class: 'muted' }, view.subtitle),
      ...(view.note ? [el('p', { class: 'note' }, view.note)] : []),
    ),
    copyBar(view),
  ];
  if (editor) parts.push(editor);
  if (view.call) parts.push(callSection(view.call));
  parts.push(el('div', { class: `cards cols-${view.columns.length}` }, ...view.columns.map(tokenCard)));
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
    case 'progress':
      renderProgress(message.progress);
      break;
    case 'call': {
      const section = callSection(message.call);
      const old = document.querySelector('section.call');
      if (old) old.replaceWith(section);
      else document.querySelector('.cards')?.before(section);
      if (!message.call.pending) status.textContent = callAnnouncement(message.call);
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
