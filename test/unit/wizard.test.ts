// Multi-step input (src/extension/wizard.ts): what is asked, in which order, with which "(n/m)", and what Back does,
// with steps that play the user.
import assert from 'node:assert/strict';
import { runWizard, StepBack, type WizardStep } from '../../src/extension/wizard';

interface Answers {
  tenant?: string;
  clientId?: string;
  name?: string;
  kind?: string;
}

/** A step that records what it was shown and answers from a script of replies ('back' presses Back). */
function scripted(field: keyof Answers, replies: string[], seen: string[], screens = 1): WizardStep<Answers> {
  return {
    given: (s) => s[field] !== undefined,
    screens,
    ask: async (s, how) => {
      seen.push(`${field} ${how.titles.join(' + ')}${how.back ? ' [back]' : ''} default=${s[field] ?? ''}`);
      const reply = replies.shift();
      if (reply === undefined) throw new Error(`no reply left for ${field}`);
      if (reply === 'back') throw new StepBack();
      s[field] = reply;
    },
  };
}

describe('multi-step input (wizard.ts)', () => {
  it('asks every step in order, numbered, with Back offered from the second on', async () => {
    const seen: string[] = [];
    const state = await runWizard<Answers>('Add', {}, [
      scripted('tenant', ['contoso'], seen),
      scripted('clientId', ['1111'], seen),
      scripted('name', ['Orders'], seen),
    ]);
    assert.deepEqual(state, { tenant: 'contoso', clientId: '1111', name: 'Orders' });
    assert.deepEqual(seen, [
      'tenant Add (1/3) default=',
      'clientId Add (2/3) [back] default=',
      'name Add (3/3) [back] default=',
    ]);
  });

  it('Back runs the step before again with its answer as the default; Back on the first is not offered', async () => {
    const seen: string[] = [];
    const state = await runWizard<Answers>('Add', {}, [
      scripted('tenant', ['contoso', 'fabrikam'], seen),
      scripted('clientId', ['back', '2222'], seen),
    ]);
    assert.deepEqual(state, { tenant: 'fabrikam', clientId: '2222' });
    assert.deepEqual(seen, [
      'tenant Add (1/2) default=',
      'clientId Add (2/2) [back] default=',
      'tenant Add (1/2) default=contoso',
      'clientId Add (2/2) [back] default=',
    ]);
  });

  it('a partly filled argument asks only for what is missing, and counts only those', async () => {
    const seen: string[] = [];
    const state = await runWizard<Answers>('Add', { tenant: 'contoso', name: 'Given' }, [
      scripted('tenant', [], seen),
      scripted('clientId', ['3333', '4444'], seen),
      scripted('name', [], seen),
      scripted('kind', ['back', 'secret'], seen, 2),
    ]);
    assert.deepEqual(state, { tenant: 'contoso', name: 'Given', clientId: '4444', kind: 'secret' });
    assert.deepEqual(seen, [
      'clientId Add (1/3) default=',
      'kind Add (2/3) + Add (3/3) [back] default=',
      'clientId Add (1/3) default=3333',
      'kind Add (2/3) + Add (3/3) [back] default=',
    ]);
  });

  it('nothing to ask: no step runs; one step alone has no number', async () => {
    const seen: string[] = [];
    assert.deepEqual(await runWizard<Answers>('Edit', { name: 'x' }, [scripted('name', [], seen)]), { name: 'x' });
    assert.deepEqual(seen, []);
    await runWizard<Answers>('Edit', {}, [scripted('name', ['y'], seen)]);
    assert.deepEqual(seen, ['name Edit default=']);
  });

  it('any other failure ends the wizard (Escape is PromptDismissed, not Back)', async () => {
    await assert.rejects(
      runWizard<Answers>('Add', {}, [
        {
          ask: async () => {
            throw new Error('dismissed');
          },
        },
      ]),
      /dismissed/,
    );
  });
});
