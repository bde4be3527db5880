import type { Remedy } from './errorCatalog';

type Catalog = typeof import('./errorCatalog');
let catalog: Catalog | undefined;
/**
 * The catalog of explanations, on the first error (a require the bundler points at dist/catalog.js): its text stays
 * out of what the extension loads at activation.
 */
export function errorCatalog(): Catalog {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a synchronous lazy load, in a constructor
  return (catalog ??= require('./errorCatalog') as Catalog);
}

/** The fields of an Entra token-endpoint error body (shared docs §4). Every field is optional: bodies vary. */
export interface EntraErrorBody {
  error?: string;
  error_description?: string;
  error_codes?: number[];
  timestamp?: string;
  trace_id?: string;
  correlation_id?: string;
  error_uri?: string;
  suberror?: string;
  /** A JSON-encoded string, e.g. a claims challenge. */
  claims?: string;
}

/** The leg Entra refused: sent, and answered with an error (what the inspector's timeline shows). */
export interface FailedLeg {
  readonly endpoint: string;
  /** The leg's name: 'blueprint' (T1), 'agent', 'agent-user'. */
  readonly leg: string;
  readonly durationMs?: number;
  /** The parameters sent, credential and token values redacted. */
  readonly parameters?: Readonly<Record<string, string>>;
}

/** An error the token endpoint returned, explained. */
export class EntraError extends Error {
  override readonly name = 'EntraError';
  /** The first AADSTS code, when the body had one. */
  readonly code: number | undefined;
  readonly explanation: string;
  readonly fix: string;
  /** Where the fix is made, when one place is (by the code; else retry for throttling and server errors). */
  readonly remedy: Remedy | undefined;

  constructor(
    readonly httpStatus: number,
    readonly body: EntraErrorBody,
    /** Seconds to wait, from Retry-After, when the endpoint sent one. */
    readonly retryAfterSeconds?: number,
    /** Where it was said: the token endpoint's URL and the leg's name, for a support ticket and the inspector. */
    readonly where?: FailedLeg,
  ) {
    const code = body.error_codes?.[0] ?? codeFromDescription(body.error_description);
    const catalog = errorCatalog();
    const known = catalog.explainAadsts(code) ?? catalog.explainHttpStatus(httpStatus);
    super(`${code !== undefined ? `AADSTS${code}` : `HTTP ${httpStatus}`}: ${known.explanation}`);
    this.code = code;
    this.explanation = known.explanation;
    this.fix = known.fix;
    this.remedy = catalog.remedyOf(code, httpStatus);
  }

  get error(): string | undefined {
    return this.body.error;
  }
  get description(): string | undefined {
    return this.body.error_description;
  }
  get traceId(): string | undefined {
    return this.body.trace_id;
  }
  get correlationId(): string | undefined {
    return this.body.correlation_id;
  }
  get timestamp(): string | undefined {
    return this.body.timestamp;
  }
}

function codeFromDescription(description: string | undefined): number | undefined {
  const m = description?.match(/\bAADSTS(\d{4,8})\b/);
  return m ? Number(m[1]) : undefined;
}

const stringFields = [
  'error',
  'error_description',
  'timestamp',
  'trace_id',
  'correlation_id',
  'error_uri',
  'suberror',
  'claims',
] as const;

/**
 * Reads whatever the token endpoint sent on failure. JSON bodies keep their known fields (typed, unknown ones dropped);
 * anything else (an HTML page, a bare "Too Many Requests") becomes a description holding its first printable text,
 * after `scrub` (the token client's: the values its request sent) has read the whole of it.
 */
export function parseEntraErrorBody(text: string, scrub: (text: string) => string = (t) => t): EntraErrorBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    // Scrubbed whole, before the cut: a value sent and echoed across the cut would otherwise leave its start.
    const snippet = scrub(text)
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 200);
    return snippet ? { error_description: snippet } : {};
  }
  const src = parsed as Record<string, unknown>;
  const body: EntraErrorBody = {};
  for (const f of stringFields) {
    const v = src[f];
    if (typeof v === 'string') body[f] = v;
    else if (f === 'claims' && v !== undefined && v !== null && typeof v === 'object') body.claims = JSON.stringify(v);
  }
  if (Array.isArray(src.error_codes)) {
    const codes = src.error_codes.filter((c): c is number => typeof c === 'number' && Number.isInteger(c));
    if (codes.length) body.error_codes = codes;
  }
  return body;
}
