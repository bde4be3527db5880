import { ConfigError } from '../../core/errors';
import type { BlueprintDefinition, CredentialKind } from '../definitions';
import { onlyTarget, ownBlueprint, plainArgs } from '../prompts';
import { askCredential, type CredentialInput } from './addBlueprint';
import type { CommandContext } from './context';
import { checkCertificate } from './credentialInput';

export interface SetBlueprintCredentialArgs extends Partial<CredentialInput> {
  blueprintId: string;
  credentialKind?: CredentialKind;
}

const TITLE = 'Set Blueprint Credential';

/** Rotates a blueprint's secret or certificate. Cached tokens made with the old one are dropped. */
export async function setBlueprintCredential(ctx: CommandContext, arg?: unknown): Promise<BlueprintDefinition> {
  const given = plainArgs<SetBlueprintCredentialArgs>(arg);
  const args = onlyTarget(given, 'blueprintId') ? undefined : given;
  const blueprint = await ownBlueprint(ctx.definitions, arg, TITLE, 'The sandbox makes its own secret at each start.');
  const input: Partial<SetBlueprintCredentialArgs> =
    args ??
    (await askCredential(
      `${TITLE}: ${blueprint.displayName}`,
      `${TITLE}: ${blueprint.displayName}`,
      blueprint.credentialKind,
    ));
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
