import { CLOUDS } from '../../core/config/clouds';
import { DEFAULT_SCOPE, validateClientId, validateTenant } from '../../core/config/config';
import { ConfigError } from '../../core/errors/errors';
import type { BlueprintDefinition, CredentialKind } from '../definitions/definitions';
import { nonEmpty, notListed, pick, plainArgs, textStep } from '../prompts';
import { runWizard } from '../wizard';
import type { CommandContext } from './context';
import { checkCertificate, credentialSteps } from '../definitions/credentialPrompts';
import type { AddBlueprintArgs } from './contracts';

const TITLE = 'Add Blueprint';

/**
 * Asks for the cloud, tenant, client id, name and credential (a script's argument gives them: only what it leaves out
 * is asked), then stores the secret and the definition.
 */
export async function addBlueprint(ctx: CommandContext, arg?: unknown): Promise<BlueprintDefinition> {
  const args = plainArgs<AddBlueprintArgs>(arg);
  const input = await prompt(ctx, { ...args }, !!args);
  const { singleInstance, agentDisplayName: _agentName, ...fields } = input;
  const candidate = ctx.definitions.validateBlueprint({
    ...fields,
    ...(singleInstance ? { singleInstance: true as const } : {}),
    displayName: input.displayName ?? '',
    tenant: input.tenant ?? '',
    clientId: input.clientId ?? '',
    credentialKind: input.credentialKind as CredentialKind,
  });
  if (candidate.credentialKind === 'secret' && !input.clientSecret) {
    throw new ConfigError(
      'Client secret',
      'is empty.',
      'Give the secret value from the blueprint\'s "Certificates & secrets" page.',
    );
  }
  if (candidate.credentialKind === 'certificate')
    await checkCertificate(candidate.certificatePath!, input.certificatePassphrase);
  // The secret first, then the definition: a failure in between leaves no definition pointing at a missing secret.
  if (input.clientSecret && candidate.credentialKind === 'secret')
    await ctx.credentials.set(candidate.clientId, 'clientSecret', input.clientSecret);
  if (input.certificatePassphrase && candidate.credentialKind === 'certificate')
    await ctx.credentials.set(candidate.clientId, 'certificatePassphrase', input.certificatePassphrase);
  try {
    // On the sandbox ("Sandbox (this VS Code)"): registered in its tenant first, so a refusal saves nothing.
    await ctx.sandbox.registerOwn(candidate, input.clientSecret);
    const saved = await ctx.definitions.addBlueprint(candidate);
    ctx.log.info(`Blueprint ${saved.displayName} (${saved.clientId}) added.`);
    if (saved.singleInstance) await addSingleInstanceAgent(ctx, saved, input.agentDisplayName);
    return saved;
  } catch (e) {
    if (!ctx.definitions.blueprint(candidate.clientId)) await ctx.credentials.deleteAll(candidate.clientId);
    throw e;
  }
}

/** A single-instance blueprint's one agent identity: its client id is the blueprint's (agent-id-2026 §1). */
async function addSingleInstanceAgent(
  ctx: CommandContext,
  blueprint: BlueprintDefinition,
  name: string | undefined,
): Promise<void> {
  const agent = {
    clientId: blueprint.clientId,
    blueprintId: blueprint.clientId,
    displayName: name?.trim() || blueprint.displayName,
    defaultScope: DEFAULT_SCOPE,
  };
  await ctx.sandbox.registerOwnAgent(blueprint, agent);
  await ctx.definitions.addAgent(agent);
}

async function prompt(
  ctx: CommandContext,
  answers: Partial<AddBlueprintArgs>,
  scripted: boolean,
): Promise<Partial<AddBlueprintArgs>> {
  const clouds = Object.values(CLOUDS);
  return runWizard(TITLE, answers, [
    {
      // A script that names no authority means the public cloud.
      given: (a) => scripted || a.authority !== undefined,
      ask: async (a, how) => {
        const sandbox = ctx.sandbox.status;
        const chosen = await pick(
          [
            ...clouds.map((c) => ({
              label: c.displayName,
              description: new URL(c.authority).host,
              authority: c.authority,
              picked: c.authority === a.authority,
            })),
            // Practise adding a blueprint of your own: the sandbox registers it, with the secret you type.
            ...(sandbox
              ? [
                  {
                    label: '$(beaker) Sandbox (this VS Code)',
                    description: sandbox.authority,
                    authority: sandbox.authority,
                    picked: sandbox.authority === a.authority,
                  },
                ]
              : []),
          ],
          { title: how.titles[0], placeHolder: 'Which cloud is the tenant in?', back: how.back },
        );
        if (sandbox && chosen.authority === sandbox.authority && a.authority !== sandbox.authority)
          a.tenant = sandbox.tenantId;
        a.authority = chosen.authority;
      },
    },
    textStep('tenant', {
      prompt: "The blueprint's tenant: its id (GUID) or domain",
      placeHolder: 'contoso.onmicrosoft.com',
      validate: (v) => validateTenant(v, 'Tenant'),
      skipWhenSet: true,
    }),
    textStep('clientId', {
      prompt: "The blueprint's client id (application id)",
      placeHolder: '00000000-0000-0000-0000-000000000000',
      // A duplicate is caught here, before the secret is typed.
      validate: (v) => notListed(ctx.definitions, validateClientId(v, 'Client id', 'agent identity blueprint')),
      skipWhenSet: true,
    }),
    {
      given: (a) => scripted || a.singleInstance !== undefined,
      ask: async (a, how) => {
        const chosen = await pick(
          [
            {
              label: 'Classic',
              description: "agent identities of their own; each token is T1 then the agent's",
              single: false,
              picked: a.singleInstance !== true,
            },
            {
              label: 'Single-instance (preview)',
              description: 'one agent identity sharing this client id; one request, no T1',
              single: true,
              picked: a.singleInstance === true,
            },
          ],
          { title: how.titles[0], placeHolder: 'Which kind of blueprint is it?', back: how.back },
        );
        a.singleInstance = chosen.single;
      },
    },
    textStep('displayName', {
      prompt: 'A display name for the blueprint',
      fallback: 'My Blueprint',
      validate: nonEmpty('the blueprint'),
      skipWhenSet: true,
    }),
    ...credentialSteps<Partial<AddBlueprintArgs>>(),
  ]);
}
