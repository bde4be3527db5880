import { ConfigError } from '../../core/errors/errors';
import type { BlueprintDefinition } from '../definitions/definitions';
import { ask, onlyTarget, ownBlueprint, pick, plainArgs } from '../prompts';
import { BlueprintNode } from '../tree/nodes';
import type { CommandContext } from './context';
import { askCredential, checkCertificate } from '../definitions/credentialPrompts';
import type { SetBlueprintCredentialArgs } from './contracts';

const TITLE = 'Set Blueprint Credential';

/** Rotates a blueprint's secret or certificate. Cached tokens made with the old one are dropped. */
export async function setBlueprintCredential(ctx: CommandContext, arg?: unknown): Promise<BlueprintDefinition> {
  const given = plainArgs<SetBlueprintCredentialArgs>(arg);
  const args = onlyTarget(given, 'blueprintId') ? undefined : given;
  const sandboxBlueprint = ctx.definitions.blueprint(given?.blueprintId ?? '');
  if (sandboxBlueprint?.sandbox || (arg instanceof BlueprintNode && arg.blueprint.sandbox))
    return practiseOnSandbox(ctx, sandboxBlueprint ?? (arg as BlueprintNode).blueprint, args);
  const blueprint = await ownBlueprint(ctx.definitions, arg, TITLE, 'The sandbox makes its own secret at each start.');
  const input: Partial<SetBlueprintCredentialArgs> =
    args ?? (await askCredential(`${TITLE}: ${blueprint.displayName}`, blueprint.credentialKind));
  const kind = input.credentialKind ?? blueprint.credentialKind;
  if (kind === 'federatedTokenFile' || kind === 'managedIdentity') {
    const next = await ctx.definitions.updateBlueprint(blueprint.clientId, {
      credentialKind: kind,
      certificatePath: undefined,
      assertionAlgorithm: undefined,
      federatedTokenFile: input.federatedTokenFile ?? blueprint.federatedTokenFile,
      managedIdentityClientId: input.managedIdentityClientId,
    });
    await ctx.credentials.deleteAll(blueprint.clientId);
    return done(ctx, next);
  }
  if (kind === 'secret') {
    if (!input.clientSecret) throw new ConfigError('Client secret', 'is empty.', 'Give the new secret value.');
    const next = await ctx.definitions.updateBlueprint(blueprint.clientId, {
      credentialKind: 'secret',
      certificatePath: undefined,
      assertionAlgorithm: undefined,
      federatedTokenFile: undefined,
      managedIdentityClientId: undefined,
    });
    await ctx.credentials.set(blueprint.clientId, 'clientSecret', input.clientSecret);
    await ctx.credentials.delete(blueprint.clientId, 'certificatePassphrase');
    return done(ctx, next);
  }
  const path = input.certificatePath ?? blueprint.certificatePath;
  if (!path)
    throw new ConfigError(
      'Certificate',
      'no PEM file was chosen.',
      'Choose the PEM file that holds the certificate and its private key.',
    );
  await checkCertificate(path, input.certificatePassphrase);
  const next = await ctx.definitions.updateBlueprint(blueprint.clientId, {
    credentialKind: 'certificate',
    certificatePath: path,
    federatedTokenFile: undefined,
    managedIdentityClientId: undefined,
  });
  if (input.certificatePassphrase)
    await ctx.credentials.set(blueprint.clientId, 'certificatePassphrase', input.certificatePassphrase);
  else await ctx.credentials.delete(blueprint.clientId, 'certificatePassphrase');
  await ctx.credentials.delete(blueprint.clientId, 'clientSecret');
  return done(ctx, next);
}

async function done(ctx: CommandContext, blueprint: BlueprintDefinition): Promise<BlueprintDefinition> {
  ctx.tokenService.clearCache();
  // Its agents' failures were about the old credential: the next Get Agent Token tells the new story.
  ctx.tokens.clearFailures(ctx.definitions.agents(blueprint.clientId).map((a) => a.clientId));
  ctx.log.info(
    `Credential of blueprint ${blueprint.displayName} (${blueprint.clientId}) updated (${blueprint.credentialKind}).`,
  );
  return blueprint;
}

/**
 * The sandbox's blueprint takes a client secret too, so a wrong one can be tried (AADSTS7000215, its toast and
 * its fix) and the sandbox's own put back. It keeps the secret kind: the sandbox's blueprint has no certificate.
 */
async function practiseOnSandbox(
  ctx: CommandContext,
  blueprint: BlueprintDefinition,
  args: Partial<SetBlueprintCredentialArgs> | undefined,
): Promise<BlueprintDefinition> {
  let restore = args?.restoreSandboxSecret === true;
  let secret = args?.clientSecret;
  if (!args) {
    const RESTORE = "$(history) Put back the sandbox's own secret";
    const chosen = await pick(
      [
        {
          label: '$(key) Type a client secret',
          detail: 'A wrong one shows AADSTS7000215 and its fix, as Entra would.',
        },
        { label: RESTORE, detail: 'The secret the sandbox made at its start.' },
      ],
      { title: `${TITLE}: ${blueprint.displayName} (sandbox)` },
    );
    restore = chosen.label === RESTORE;
    if (!restore)
      secret = await ask({
        title: `${TITLE}: ${blueprint.displayName} (sandbox)`,
        prompt: 'A client secret for the sandbox blueprint (stored in SecretStorage only)',
        password: true,
        validate: (v) => {
          if (!v) throw new Error('Give a secret value.');
        },
      });
  }
  if (restore) await ctx.sandbox.restoreSecret(blueprint.clientId);
  else {
    if (!secret) throw new ConfigError('Client secret', 'is empty.', 'Give the secret value.');
    await ctx.credentials.set(blueprint.clientId, 'clientSecret', secret);
  }
  return done(ctx, blueprint);
}
