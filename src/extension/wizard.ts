// Multi-step input as step objects (the azuretools wizard idea, kept small), pure: no vscode, so the Node tier tests
// Back, skipping and the numbering with steps of its own. A step says whether its answer was given already (a
// script's partly filled argument, or what the command knows), and only the others are asked; "(n/m)" counts those.
// Back (StepBack, thrown by a prompt's Back button) runs the step asked before again, with its answer kept.

/** The user pressed Back in a multi-step input: the step asked before runs again. */
export class StepBack extends Error {
  override readonly name = 'StepBack';
}

export interface WizardStep<S> {
  /** Its answer is known before the wizard starts (decided once, at the start): the step is not asked. */
  readonly given?: (state: Readonly<S>) => boolean;
  /**
   * How many screens it shows (default 1): a step that asks two things in a row (a credential's kind, then its
   * details) counts for two in "(n/m)" and gets a title for each.
   */
  readonly screens?: number;
  /** Asks and writes the answer into `state`: `titles[k]` for its k-th screen; `back`: offer Back. */
  readonly ask: (state: S, how: { readonly titles: readonly string[]; readonly back: boolean }) => Promise<void>;
}

/** Runs the steps not given, in order; resolves to the state with every answer. */
export async function runWizard<S>(title: string, state: S, steps: readonly WizardStep<S>[]): Promise<S> {
  const asked = steps.filter((s) => !s.given?.(state));
  const total = asked.reduce((n, s) => n + (s.screens ?? 1), 0);
  const firstScreen: number[] = [];
  asked.reduce((n, s) => (firstScreen.push(n), n + (s.screens ?? 1)), 1);
  for (let i = 0; i < asked.length;) {
    const step = asked[i]!;
    const titles = Array.from({ length: step.screens ?? 1 }, (_, k) =>
      total > 1 ? `${title} (${firstScreen[i]! + k}/${total})` : title,
    );
    try {
      await step.ask(state, { titles, back: i > 0 });
      i++;
    } catch (e) {
      if (!(e instanceof StepBack)) throw e;
      i = Math.max(0, i - 1);
    }
  }
  return state;
}
