// A tree row handed to a command, recognised by its kind rather than instanceof: the Graph commands live in a lazy
// chunk (dist/provisioning.js) whose copy of the node classes is not the tree's.
export function isNode<T extends { kind: string }>(arg: unknown, kind: T['kind']): arg is T {
  return typeof arg === 'object' && arg !== null && (arg as { kind?: unknown }).kind === kind;
}
