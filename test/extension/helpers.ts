import * as vscode from 'vscode';
import type { EntraAgentTokensApi } from '../../src/extension/extension';
import type { TreeNode } from '../../src/extension/tree/nodes';

export const EXTENSION_ID = 'entra-agent-tokens.entra-agent-tokens';

export async function api(): Promise<EntraAgentTokensApi> {
  const ext = vscode.extensions.getExtension<EntraAgentTokensApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed in this VS Code`);
  return ext.activate();
}

export interface Row {
  depth: number;
  label: string;
  description: string;
  contextValue: string;
  icon: string;
  /** The tooltip's text (its markdown source). */
  tooltip: string;
}

/** The tree as a user sees it: every node, depth first. */
export async function treeRows(): Promise<Row[]> {
  const { tree } = await api();
  const rows: Row[] = [];
  const walk = async (node: TreeNode | undefined, depth: number) => {
    for (const child of await tree.getChildren(node)) {
      const item = tree.getTreeItem(child);
      rows.push({
        depth,
        label: typeof item.label === 'string' ? item.label : (item.label?.label ?? ''),
        description: typeof item.description === 'string' ? item.description : '',
        contextValue: item.contextValue ?? '',
        icon: item.iconPath instanceof vscode.ThemeIcon ? item.iconPath.id : '',
        tooltip: item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip ?? ''),
      });
      await walk(child, depth + 1);
    }
  };
  await walk(undefined, 0);
  return rows;
}

/** Our commands, typed by their signatures (src/extension/commands/signatures.ts). */
export { runCommand as run } from '../../src/extension/commands/run';
