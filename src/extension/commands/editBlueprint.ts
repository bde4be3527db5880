import { validateTenant } from '../../core/config/config';
import type { BlueprintDefinition } from '../definitions/definitions';
import { ConfigError } from '../../core/errors/errors';
import { nonEmpty, onlyTarget, ownBlueprint, plainArgs, textStep } from '../prompts';
import { runWizard } from '../wizard';
import type { CommandContext } from './context';
import type { EditBlueprintArgs } from './contracts';
import type { BlueprintRow } from './contracts';
import { isNode } from './nodeArgs';

export async function editBlueprint(ctx: CommandContext, arg?: unknown): Promise<BlueprintDefinition> {
  const given = plainArgs<EditBlueprintArgs>(arg);
  const args = onlyTarget(given, 'blueprintId') ? undefined : given;
  const named = ctx.definitions.blueprint(given?.blueprintId ?? '');
  const onSandbox = named?.sandbox
    ? named
    : isNode<BlueprintRow>(arg, 'blueprint') && arg.blueprint.sandbox
      ? arg.blueprint
      : undefined;
  const blueprint =
    onSandbox ??
    (await ownBlueprint(ctx.definitions, arg, 'Edit Blueprint', 'Sandbox blueprints come from the sandbox directory.'));
  const patch =
    args ??
    (await runWizard(
      `Edit Blueprint: ${blueprint.displayName}`,
      { displayName: blueprint.displayName, tenant: blueprint.tenant },
      [
        textStep('displayName', { prompt: 'Display name', validate: nonEmpty('the blueprint') }),
        textStep('tenant', {
          prompt: onSandbox
            ? "Tenant id or domain (for practice: another tenant shows Entra's error; the sandbox's next start resets it)"
            : 'Tenant id or domain',
          validate: (v) => validateTenant(v, 'Tenant'),
        }),
      ],
    ));
  const { blueprintId: _, ...fields }: Partial<EditBlueprintArgs> = { blueprintId: '', ...patch };
  if (onSandbox && fields.authority !== undefined && fields.authority !== onSandbox.authority)
    throw new ConfigError('Authority', "of the sandbox's blueprint is the sandbox's.", 'Edit its name or tenant only.');
  const next = onSandbox
    ? ctx.definitions.updateSandboxBlueprint(blueprint.clientId, {
        ...(fields.displayName !== undefined ? { displayName: fields.displayName } : {}),
        ...(fields.tenant !== undefined ? { tenant: fields.tenant } : {}),
      })
    : await ctx.definitions.updateBlueprint(blueprint.clientId, fields);
  ctx.tokenService.clearCache();
  ctx.tokens.clearFailures(ctx.definitions.agents(next.clientId).map((a) => a.clientId));
  ctx.log.info(`Blueprint ${next.displayName} (${next.clientId}) edited.`);
  return next;
}
