import { validateTenant } from '../../core/config';
import { ConfigError } from '../../core/errors';
import type { BlueprintDefinition } from '../definitions';
import { ask, pickBlueprint, plainArgs } from '../prompts';
import { BlueprintNode } from '../tree/nodes';
import type { CommandContext } from './context';

export interface EditBlueprintArgs {
  blueprintId: string;
  displayName?: string;
  tenant?: string;
  authority?: string;
}

export async function editBlueprint(ctx: CommandContext, arg?: unknown): Promise<BlueprintDefinition> {
  const args = plainArgs<EditBlueprintArgs>(arg);
  const blueprint = args ? ctx.definitions.blueprint(args.blueprintId ?? '') : arg instanceof BlueprintNode ? arg.blueprint : await pickBlueprint(ctx.definitions, 'Edit Blueprint', (b) => !b.sandbox);
  if (!blueprint) throw new ConfigError('Blueprint', `${String(args?.blueprintId)} is not in the list.`, 'Pick a blueprint you added.');
  if (blueprint.sandbox) throw new ConfigError('Blueprint', "is the sandbox tenant's.", 'Sandbox blueprints come from the sandbox directory.');
  const patch = args ?? {
    displayName: await ask({ title: `Edit Blueprint (1/2): ${blueprint.displayName}`, prompt: 'Display name', value: blueprint.displayName, validate: (v) => {
      if (!v.trim()) throw new Error('Give the blueprint a name.');
    } }),
    tenant: await ask({ title: `Edit Blueprint (2/2): ${blueprint.displayName}`, prompt: 'Tenant id or domain', value: blueprint.tenant, validate: (v) => validateTenant(v, 'Tenant') }),
  };
  const { blueprintId: _, ...fields } = { blueprintId: '', ...patch };
  const next = await ctx.definitions.updateBlueprint(blueprint.clientId, fields);
  await ctx.tokenService.clearCache();
  ctx.log.info(`Blueprint ${next.displayName} (${next.clientId}) edited.`);
  return next;
}
