import * as vscode from 'vscode';
import type { AgentDefinition, BlueprintDefinition, DefinitionStore } from './definitions/definitions';
import { ConfigError } from '../core/errors/errors';
import { focusQuickInput } from './workbench';
import { StepBack, type WizardStep } from './wizard';
import { PromptDismissed } from './errorBoundary';
import type { BlueprintRow, FailureRow } from './commands/contracts';
import { isNode } from './commands/nodeArgs';

export { StepBack } from './wizard';

type Validate = (value: string) => void;

/**
 * An input box that validates with the core's messages; Escape ends the command silently. With `back`, it shows
 * VS Code's Back button, as its own multi-step inputs do; pressing it throws StepBack.
 */
export async function ask(options: vscode.InputBoxOptions & { validate?: Validate; back?: boolean }): Promise<string> {
  const { validate, back, ...rest } = options;
  const box = vscode.window.createInputBox();
  box.ignoreFocusOut = rest.ignoreFocusOut ?? true;
  box.title = rest.title;
  box.prompt = rest.prompt;
  box.placeholder = rest.placeHolder;
  box.value = rest.value ?? '';
  box.password = rest.password ?? false;
  if (back) box.buttons = [vscode.QuickInputButtons.Back];
  const check = (v: string): string | undefined => {
    if (!validate) return undefined;
    try {
      validate(v);
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  };
  try {
    return await new Promise<string>((resolve, reject) => {
      box.onDidChangeValue((v) => (box.validationMessage = check(v)));
      box.onDidTriggerButton((b) => b === vscode.QuickInputButtons.Back && reject(new StepBack()));
      box.onDidAccept(() => {
        const message = check(box.value);
        box.validationMessage = message;
        if (message === undefined) resolve(box.value);
      });
      box.onDidHide(() => reject(new PromptDismissed()));
      box.show();
      keepKeyboard(box);
      if (box.value) box.validationMessage = check(box.value);
    });
  } finally {
    box.dispose();
  }
}

/** A quick pick; Escape ends the command silently; with `back`, the Back button throws StepBack. */
export async function pick<T extends vscode.QuickPickItem>(
  items: T[],
  options: vscode.QuickPickOptions & { back?: boolean },
): Promise<T> {
  const { back, ...rest } = options;
  const qp = vscode.window.createQuickPick<T>();
  qp.ignoreFocusOut = rest.ignoreFocusOut ?? true;
  qp.title = rest.title;
  qp.placeholder = rest.placeHolder;
  qp.items = items;
  const picked = items.filter((i) => i.picked);
  if (picked.length) qp.activeItems = picked;
  qp.matchOnDescription = rest.matchOnDescription ?? false;
  qp.matchOnDetail = rest.matchOnDetail ?? false;
  if (back) qp.buttons = [vscode.QuickInputButtons.Back];
  try {
    return await new Promise<T>((resolve, reject) => {
      qp.onDidTriggerButton((b) => b === vscode.QuickInputButtons.Back && reject(new StepBack()));
      qp.onDidAccept(() => {
        const chosen = qp.selectedItems[0] ?? qp.activeItems[0];
        if (chosen) resolve(chosen);
      });
      qp.onDidHide(() => reject(new PromptDismissed()));
      qp.show();
      keepKeyboard(qp);
    });
  } finally {
    qp.dispose();
  }
}

/** When the box asks for the keyboard again, after it is shown: past the walkthrough page's own focus change. */
const REFOCUS_AFTER_MS = [120, 350] as const;

/**
 * Keeps the keyboard on a quick input just shown. A walkthrough page whose step button ran the command selects that
 * step and focuses it as the box opens, leaving the box open but deaf to the keyboard (measured: every time after
 * selecting the step, or pressing Enter on its button). So the box asks for the focus again, twice, while nothing has
 * been typed in it and it is still open; when it already has the focus, that changes nothing.
 */
function keepKeyboard(input: vscode.QuickPick<vscode.QuickPickItem> | vscode.InputBox): void {
  let open = true;
  const hidden = input.onDidHide(() => {
    open = false;
    hidden.dispose();
  });
  const initial = input.value;
  for (const ms of REFOCUS_AFTER_MS)
    setTimeout(() => {
      if (open && input.value === initial) void focusQuickInput();
    }, ms);
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
  const chosen = await pick(blueprints.map(blueprintItem), { title, placeHolder: 'Choose a blueprint' });
  return chosen.blueprint!;
}

/** A blueprint as a quick pick offers it: the sandbox's marked, its tenant, its client id. */
export function blueprintItem(b: BlueprintDefinition): vscode.QuickPickItem & { blueprint?: BlueprintDefinition } {
  return {
    label: `${b.sandbox ? '$(beaker)' : '$(shield)'} ${b.displayName}`,
    description: `${b.sandbox ? 'sandbox · ' : ''}${b.tenant}`,
    detail: b.clientId,
    blueprint: b,
  };
}

export async function pickAgent(
  definitions: DefinitionStore,
  title: string,
  filter: (a: AgentDefinition) => boolean = () => true,
  whenFiltered?: string,
): Promise<AgentDefinition> {
  return (
    await pick(agentItems(definitions, filter, whenFiltered), {
      title,
      placeHolder: 'Choose an agent identity',
      matchOnDetail: true,
    })
  ).agent;
}

/** The agent identities to choose from; none is a message and a quiet end. */
export function agentItems(
  definitions: DefinitionStore,
  filter: (a: AgentDefinition) => boolean = () => true,
  /** Why the list is empty when the filter left nothing (the agents exist, but none may be chosen here). */
  whenFiltered?: string,
): (vscode.QuickPickItem & { agent: AgentDefinition })[] {
  const all = definitions.agents();
  const agents = all.filter(filter);
  if (agents.length === 0) {
    void vscode.window.showInformationMessage(
      all.length && whenFiltered
        ? whenFiltered
        : 'No agent identity to choose from. Add one with "Add Agent Identity…", or start the sandbox tenant.',
    );
    throw new PromptDismissed();
  }
  return agents.map((a) => ({
    label: a.displayName,
    description: definitions.blueprint(a.blueprintId)?.displayName ?? a.blueprintId,
    detail: `${a.clientId} · ${a.defaultScope}`,
    agent: a,
  }));
}

/**
 * Two choices in one quick input, the second's items made from the first answer. The box never closes between them,
 * so the keyboard stays on it wherever the command came from (a walkthrough page took it back between two boxes).
 */
export async function pickThen<A extends vscode.QuickPickItem, B extends vscode.QuickPickItem>(
  first: { items: A[]; options: vscode.QuickPickOptions },
  next: (chosen: A) => { items: B[]; options: vscode.QuickPickOptions },
): Promise<[A, B]> {
  const qp = vscode.window.createQuickPick<A | B>();
  qp.ignoreFocusOut = true;
  const stage = (items: (A | B)[], options: vscode.QuickPickOptions) => {
    qp.items = items;
    qp.title = options.title;
    qp.placeholder = options.placeHolder;
    qp.matchOnDetail = options.matchOnDetail ?? false;
    qp.value = '';
  };
  stage(first.items, first.options);
  let chosenFirst: A | undefined;
  try {
    return await new Promise<[A, B]>((resolve, reject) => {
      qp.onDidAccept(() => {
        const chosen = qp.selectedItems[0] ?? qp.activeItems[0];
        if (!chosen) return;
        if (!chosenFirst) {
          chosenFirst = chosen as A;
          const second = next(chosenFirst);
          stage(second.items, second.options);
        } else resolve([chosenFirst, chosen as B]);
      });
      qp.onDidHide(() => reject(new PromptDismissed()));
      qp.show();
      keepKeyboard(qp as vscode.QuickPick<vscode.QuickPickItem>);
    });
  } finally {
    qp.dispose();
  }
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
    : isNode<BlueprintRow>(arg, 'blueprint')
      ? arg.blueprint
      : isNode<FailureRow>(arg, 'failure')
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

/** Refuses a client id already in the list (as a blueprint or an agent identity), at the step it is typed. */
export function notListed(definitions: DefinitionStore, clientId: string): string {
  const id = clientId.toLowerCase();
  const blueprint = definitions.blueprint(id);
  const agent = definitions.agent(id);
  if (blueprint) throw new Error(`"${blueprint.displayName}" already has this client id: each is added once.`);
  if (agent)
    throw new Error(`The agent identity "${agent.displayName}" already has this client id: each is added once.`);
  return clientId;
}

/**
 * A wizard step that asks for one text field in an input box (with Back from the second step on), the field's value
 * (or `fallback`) as the default. With `skipWhenSet`, a field a script's argument names is not asked, even when its
 * value is undefined (an unset environment variable): the command then refuses it, rather than wait for a person.
 */
export function textStep<S extends object>(
  field: keyof S & string,
  options: {
    prompt: string;
    placeHolder?: string;
    fallback?: string;
    validate?: Validate;
    skipWhenSet?: boolean;
  },
): WizardStep<S> {
  const { fallback, skipWhenSet, ...box } = options;
  const read = (s: S) => (s as Record<string, unknown>)[field] as string | undefined;
  return {
    ...(skipWhenSet ? { given: (s: Readonly<S>) => field in s } : {}),
    ask: async (s, how) => {
      (s as Record<string, unknown>)[field] = await ask({
        ...box,
        title: how.titles[0],
        value: read(s) ?? fallback ?? '',
        back: how.back,
      });
    },
  };
}

/** The validation of a name: not empty. */
export function nonEmpty(what: string): Validate {
  return (v) => {
    if (!v.trim()) throw new Error(`Give ${what} a name.`);
  };
}
