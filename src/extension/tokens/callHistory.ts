import type { CallView } from '../../webview/protocol';

/** How many calls are kept per agent. */
export const CALLS_KEPT = 10;

/** One call made with an agent's token: the request as sent (no token, no request body) and what came back. */
export interface CallRecord {
  readonly at: Date;
  readonly method: string;
  readonly url: string;
  readonly headers: string;
  readonly scope: string;
  readonly view: CallView;
}

/** The last calls per agent, in memory only (never written anywhere): the next Call API starts from the last one. */
export class CallHistory {
  private readonly byAgent = new Map<string, CallRecord[]>();

  record(agentId: string, call: CallRecord): void {
    const list = [call, ...(this.byAgent.get(agentId) ?? [])].slice(0, CALLS_KEPT);
    this.byAgent.set(agentId, list);
  }

  /** Newest first. */
  of(agentId: string): readonly CallRecord[] {
    return this.byAgent.get(agentId) ?? [];
  }

  forget(agentId: string): void {
    this.byAgent.delete(agentId);
  }
}
