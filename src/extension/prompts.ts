import * as vscode from 'vscode';
import type { AgentDefinition, BlueprintDefinition, DefinitionStore } from './definitions';
import { ConfigError } from '../core/errors';
import { PromptDismissed } from './errorBoundary';
import { BlueprintNode, FailureNode } from './tree/nodes';

/** An input box that validates with the core's messages; Escape ends the command silently. */
export async function ask(options: vscode.InputBoxOptions & { validate?: (value: string) => void }): Promise<string> {
  const { validate, ...rest } = options;
  const value = await vscode.window.showInputBox({
    ignoreFocusOut: true,
    ...rest,
    validateInput: validate
      ? (v) => {
          try {
            validate(v);
            return undefined;
          } catch (e) {
            return (e as Error).message;
          }
        }
      : undefined,
  });
  if (value === undefined) throw new PromptDismissed();
  return value;
}

export async function pick<T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions): Promise<T> {
  const chosen = await vscode.window.showQuickPick(items, { ignoreFocusOut: true, ...options });
  if (!chosen) throw new PromptDismissed();
  return chosen;
}

export async function pickBlueprint(
  definitions: DefinitionStore,
  title: string,
  filter: (b: BlueprintDefinition) => boolean = () => true,
): Promise<BlueprintDefinition> {
  const blueprints = definitions.blueprints().filter(filter);
  if (blueprints.length === 0) {
    void vscode.window.showInformationMessage(
      'No blueprint to choose from. Add one with "Add Blueprint…", or start the sandbox tenant.',
    );
    throw new PromptDismissed();
  }
  const chosen = await pick(
    blueprints.map((b) => ({
      label: b.displayName,
      description: `${b.sandbox ? 'sandbox · ' : ''}${b.tenant}`,
      detail: b.clientId,
      blueprint: b,
    })),
    { title, placeHolder: 'Choose a blueprint' },
  );
  return chosen.blueprint;
}

export async function pickAgent(
  definitions: DefinitionStore,
  title: string,
  filter: (a: AgentDefinition) => boolean = () => true,
): Promise<AgentDefinition> {
  const agents = definitions.agents().filter(filter);
  if (agents.length === 0) {
    void vscode.window.showInformationMessage(
      'No agent identity to choose from. Add one with "Add Agent Identity…", or start the sandbox tenant.',
    );
    throw new PromptDismissed();
  }
  const chosen = await pick(
    agents.map((a) => ({
      label: a.displayName,
      description: definitions.blueprint(a.blueprintId)?.displayName ?? a.blueprintId,
      detail: `${a.clientId} · ${a.defaultScope}`,
      agent: a,
    })),
    { title, placeHolder: 'Choose an agent identity', matchOnDetail: true },
  );
  return chosen.agent;
}

/**
 * The user's own blueprint a command acts on: named by a script ({ blueprintId }), clicked in the tree, or picked.
 * The sandbox's blueprint is refused with `sandboxFix`, since it comes from the sandbox directory.
 */
export async function ownBlueprint(
  definitions: DefinitionStore,
  arg: unknown,
  title: string,
  sandboxFix: string,
): Promise<BlueprintDefinition> {
  const args = plainArgs<{ blueprintId: string }>(arg);
  const blueprint = args
    ? definitions.blueprint(args.blueprintId ?? '')
    : arg instanceof BlueprintNode
      ? arg.blueprint
      : arg instanceof FailureNode
        ? definitions.blueprint(definitions.agent(arg.failure.agentId)?.blueprintId ?? '')
        : await pickBlueprint(definitions, title, (b) => !b.sandbox);
  if (!blueprint)
    throw new ConfigError(
      'Blueprint',
      `${String(args?.blueprintId)} is not in the list.`,
      'Pick a blueprint you added.',
    );
  if (blueprint.sandbox) throw new ConfigError('Blueprint', "is the sandbox tenant's.", sandboxFix);
  return blueprint;
}

/** Args that are a plain object (a script's), not a tree node. */
export function plainArgs<T extends object>(arg: unknown): Partial<T> | undefined {
  return arg && typeof arg === 'object' && !('kind' in arg) ? (arg as Partial<T>) : undefined;
}

/**
 * A script's arguments that name only their target (`{ blueprintId }`, `{ agentId }`): the command asks for the rest,
 * as it does from the tree. The error toasts' fix buttons call commands this way.
 */
export function onlyTarget(args: object | undefined, key: string): boolean {
  return !!args && Object.keys(args).every((k) => k === key);
}
