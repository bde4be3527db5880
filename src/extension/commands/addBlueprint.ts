import * as vscode from 'vscode';
import { CLOUDS } from '../../core/clouds';
import { isGuid, validateClientId, validateTenant } from '../../core/config';
import { ConfigError } from '../../core/errors';
import type { BlueprintDefinition, CredentialKind } from '../definitions';
import { PromptDismissed } from '../errorBoundary';
import { ask, pick, plainArgs, steps, StepBack } from '../prompts';
import type { CommandContext } from './context';
import { checkCertificate } from './credentialInput';
import type { AddBlueprintArgs, CredentialInput } from './contracts';

const TITLE = 'Add Blueprint';

/** Asks for tenant, client id, name and credential (or takes them as args), then stores the secret and the definition. */
export async function addBlueprint(ctx: CommandContext, arg?: unknown): Promise<BlueprintDefinition> {
  const input = plainArgs<AddBlueprintArgs>(arg) ?? (await prompt(ctx));
  const candidate = ctx.definitions.validateBlueprint({
    ...input,
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
    return saved;
  } catch (e) {
    if (!ctx.definitions.blueprint(candidate.clientId)) await ctx.credentials.deleteAll(candidate.clientId);
    throw e;
  }
}

async function prompt(ctx: CommandContext): Promise<Partial<AddBlueprintArgs>> {
  const answers: Partial<AddBlueprintArgs> = {};
  const clouds = Object.values(CLOUDS);
  await steps(answers, [
    async (a) => {
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
        { title: `${TITLE} (1/6)`, placeHolder: 'Which cloud is the tenant in?' },
      );
      if (sandbox && chosen.authority === sandbox.authority && a.authority !== sandbox.authority)
        a.tenant = sandbox.tenantId;
      a.authority = chosen.authority;
    },
    async (a, back) => {
      a.tenant = await ask({
        title: `${TITLE} (2/6)`,
        prompt: "The blueprint's tenant: its id (GUID) or domain",
        placeHolder: 'contoso.onmicrosoft.com',
        value: a.tenant ?? '',
        validate: (v) => validateTenant(v, 'Tenant'),
        back,
      });
    },
    async (a, back) => {
      a.clientId = await ask({
        title: `${TITLE} (3/6)`,
        prompt: "The blueprint's client id (application id)",
        placeHolder: '00000000-0000-0000-0000-000000000000',
        value: a.clientId ?? '',
        // A duplicate is caught here, before the secret is typed.
        validate: (v) => notListed(ctx, validateClientId(v, 'Client id', 'agent identity blueprint')),
        back,
      });
    },
    async (a, back) => {
      a.displayName = await ask({
        title: `${TITLE} (4/6)`,
        prompt: 'A display name for the blueprint',
        value: a.displayName ?? 'My Blueprint',
        validate: (v) => {
          if (!v.trim()) throw new Error('Give the blueprint a name.');
        },
        back,
      });
    },
    async (a, back) => {
      Object.assign(a, await askCredential(`${TITLE} (5/6)`, `${TITLE} (6/6)`, a.credentialKind, back));
    },
  ]);
  return answers;
}

/** Which credential, then its details: a secret into a password box, a PEM through a file picker, a path, or an id. */
export async function askCredential(
  kindTitle: string,
  detailTitle: string,
  current?: CredentialKind,
  back = false,
): Promise<CredentialInput> {
  // Back from the detail returns to the kind; Back from the kind leaves to the step before (when there is one).
  for (;;) {
    const kind = await pickCredentialKind(kindTitle, current, back);
    try {
      return await askCredentialDetail(kind, detailTitle);
    } catch (e) {
      if (!(e instanceof StepBack)) throw e;
      current = kind;
    }
  }
}

async function pickCredentialKind(
  title: string,
  current: CredentialKind | undefined,
  back: boolean,
): Promise<CredentialKind> {
  const kind = await pick(
    [
      {
        label: '$(key) Client secret',
        description: 'for local development',
        credential: 'secret' as const,
        picked: current === 'secret',
      },
      {
        label: '$(file-binary) Certificate',
        description: 'a PEM file with certificate and key, or a PFX',
        credential: 'certificate' as const,
        picked: current === 'certificate',
      },
      {
        label: '$(file) Federated token file',
        description: 'a workload identity token a platform keeps fresh (AKS, CI)',
        credential: 'federatedTokenFile' as const,
        picked: current === 'federatedTokenFile',
      },
      {
        label: '$(azure) Managed identity',
        description: "this machine's Azure identity, trusted by a federated credential",
        credential: 'managedIdentity' as const,
        picked: current === 'managedIdentity',
      },
    ],
    { title, placeHolder: 'How does the blueprint authenticate?', back },
  );
  return kind.credential;
}

async function askCredentialDetail(kind: CredentialKind, detailTitle: string): Promise<CredentialInput> {
  if (kind === 'secret') {
    const clientSecret = await ask({
      title: detailTitle,
      prompt: 'The client secret value (stored in VS Code SecretStorage only)',
      back: true,
      password: true,
      validate: (v) => {
        if (!v) throw new Error('Give the secret value.');
      },
    });
    return { credentialKind: 'secret', clientSecret };
  }
  if (kind === 'federatedTokenFile') {
    const federatedTokenFile = await ask({
      title: detailTitle,
      prompt: 'Path of the federated token file (read fresh at every use)',
      back: true,
      value: process.env.AZURE_FEDERATED_TOKEN_FILE ?? '',
      validate: (v) => {
        if (!v.trim()) throw new Error('Give the path of the token file.');
      },
    });
    return { credentialKind: 'federatedTokenFile', federatedTokenFile };
  }
  if (kind === 'managedIdentity') {
    const managedIdentityClientId = await ask({
      title: detailTitle,
      prompt: "A user-assigned identity's client id (leave empty for the system-assigned identity)",
      back: true,
      validate: (v) => {
        if (v.trim() && !isGuid(v.trim())) throw new Error('A client id is a GUID.');
      },
    });
    return {
      credentialKind: 'managedIdentity',
      ...(managedIdentityClientId.trim() ? { managedIdentityClientId } : {}),
    };
  }
  const { certificatePath, certificatePassphrase } = await askCertificate(detailTitle, true);
  return {
    credentialKind: 'certificate',
    certificatePath,
    ...(certificatePassphrase ? { certificatePassphrase } : {}),
  };
}

export async function askCertificate(
  title: string,
  back = false,
): Promise<{ certificatePath: string; certificatePassphrase?: string }> {
  const files = await vscode.window.showOpenDialog({
    title,
    openLabel: 'Use this certificate',
    canSelectMany: false,
    filters: { 'Certificate and key (PEM, PFX)': ['pem', 'pfx', 'p12'], 'All files': ['*'] },
  });
  const file = files?.[0];
  if (!file) throw new PromptDismissed();
  const passphrase = await ask({
    title,
    prompt: 'Passphrase of the key or PFX password (leave empty if none; stored in SecretStorage only)',
    password: true,
    back,
  });
  return { certificatePath: file.fsPath, ...(passphrase ? { certificatePassphrase: passphrase } : {}) };
}

/** Refuses a client id already in the list (as a blueprint or an agent identity), at the step it is typed. */
export function notListed(ctx: CommandContext, clientId: string): string {
  const id = clientId.toLowerCase();
  const blueprint = ctx.definitions.blueprint(id);
  const agent = ctx.definitions.agent(id);
  if (blueprint) throw new Error(`"${blueprint.displayName}" already has this client id: each is added once.`);
  if (agent)
    throw new Error(`The agent identity "${agent.displayName}" already has this client id: each is added once.`);
  return clientId;
}
