import { validateTenant } from '../../core/config';
import type { BlueprintDefinition } from '../definitions';
import { ask, onlyTarget, ownBlueprint, plainArgs } from '../prompts';
import type { CommandContext } from './context';

export interface EditBlueprintArgs {
  blueprintId: string;
  displayName?: string;
  tenant?: string;
  authority?: string;
}

export async function editBlueprint(ctx: CommandContext, arg?: unknown): Promise<BlueprintDefinition> {
  const given = plainArgs<EditBlueprintArgs>(arg);
  const args = onlyTarget(given, 'blueprintId') ? undefined : given;
  const blueprint = await ownBlueprint(
    ctx.definitions,
    arg,
    'Edit Blueprint',
    'Sandbox blueprints come from the sandbox directory.',
  );
  const patch = args ?? {
    displayName: await ask({
      title: `Edit Blueprint (1/2): ${blueprint.displayName}`,
      prompt: 'Display name',
      value: blueprint.displayName,
      validate: (v) => {
        if (!v.trim()) throw new Error('Give the blueprint a name.');
      },
    }),
    tenant: await ask({
      title: `Edit Blueprint (2/2): ${blueprint.displayName}`,
      prompt: 'Tenant id or domain',
      value: blueprint.tenant,
      validate: (v) => validateTenant(v, 'Tenant'),
    }),
  };
  const { blueprintId: _, ...fields } = { blueprintId: '', ...patch };
  const next = await ctx.definitions.updateBlueprint(blueprint.clientId, fields);
  ctx.tokenService.clearCache();
  ctx.tokens.clearFailures(ctx.definitions.agents(next.clientId).map((a) => a.clientId));
  ctx.log.info(`Blueprint ${next.displayName} (${next.clientId}) edited.`);
  return next;
}
