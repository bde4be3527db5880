// What the sandbox's Graph modules share (graph.ts answers reads and the blueprint's own calls, graphProvisioning.ts
// a signed-in user's): the answer's shape, the checked caller, the error maker, and the state kept between calls.
import type { JWTPayload } from 'jose';
import type { Tenant } from './directory';

export interface GraphAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

/** Who called, once the token is checked: its claims, its tenant, and the roles or scopes it was granted. */
export interface Caller {
  readonly claims: JWTPayload;
  readonly tenant: Tenant;
  readonly appOnly: boolean;
  readonly granted: readonly string[];
}

export type ErrorOf = (status: number, code: string, message: string, extra?: Record<string, string>) => GraphAnswer;

/**
 * What the Graph subset remembers between calls: when each object was created, for the replication lag (an object
 * is not found for `replicationLagMs` after its creation, as right after a create in Entra), and the faults to
 * answer with next (429 with Retry-After, 503).
 */
export class GraphState {
  replicationLagMs = 0;
  private readonly created = new Map<string, number>();
  /**
   * `afterHandling`: the call is carried out, then its answer is lost and this status sent instead (a gateway that
   * timed out after the backend did the work): what makes a repeated POST dangerous.
   */
  readonly faults: { status: 429 | 503 | 504; retryAfterSeconds?: number; afterHandling?: boolean }[] = [];
  /** Applications a create without OData-Version 4.0 made instead of blueprints (the docs' gotcha). */
  readonly plainApplications: { id: string; appId: string; displayName: string }[] = [];

  markCreated(id: string): void {
    this.created.set(id, Date.now());
  }

  /** Still replicating: a read of it fails as in Entra right after a create. */
  replicating(id: string): boolean {
    const at = this.created.get(id);
    return at !== undefined && Date.now() - at < this.replicationLagMs;
  }
}
