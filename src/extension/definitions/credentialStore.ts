import * as vscode from 'vscode';

export type SecretKind = 'clientSecret' | 'certificatePassphrase';

/**
 * Blueprint secrets in SecretStorage, keyed by blueprint so removing one removes all of its secrets.
 * Other windows change SecretStorage too: onDidChange reports any change to our keys.
 */
export class CredentialStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the blueprint client id whose secrets changed (here or in another window). */
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.subscription = secrets.onDidChange((e) => {
      const m = /^entraAgentTokens\.blueprint\.([^.]+)\./.exec(e.key);
      if (m) this.changed.fire(m[1]!);
    });
  }

  get(blueprintId: string, kind: SecretKind): Thenable<string | undefined> {
    return this.secrets.get(key(blueprintId, kind));
  }

  async set(blueprintId: string, kind: SecretKind, value: string): Promise<void> {
    await this.secrets.store(key(blueprintId, kind), value);
  }

  async delete(blueprintId: string, kind: SecretKind): Promise<void> {
    await this.secrets.delete(key(blueprintId, kind));
  }

  async deleteAll(blueprintId: string): Promise<void> {
    await Promise.all(
      (['clientSecret', 'certificatePassphrase'] as const).map((k) => this.secrets.delete(key(blueprintId, k))),
    );
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function key(blueprintId: string, kind: SecretKind): string {
  return `entraAgentTokens.blueprint.${blueprintId.toLowerCase()}.${kind}`;
}
