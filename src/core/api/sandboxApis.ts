// The sandbox's sample APIs as its clients see them: `api://sandbox-NAME` served at `{sandbox}/apis/NAME`. The host
// rule (apiHosts.ts) and the sidecar's built-ins know them by this; the sandbox (src/sandbox/protectedApi.ts) serves
// exactly these names.
export const SANDBOX_API_NAMES = ['weather', 'legacy', 'partners'] as const;

/** Each sample API as a downstream API of a sidecar whose blueprint is on the sandbox at `origin`. */
export function sandboxDownstreamApis(origin: string): { name: string; scopes: string[]; baseUrl: string }[] {
  const base = new URL(origin).origin;
  return SANDBOX_API_NAMES.map((name) => ({
    name,
    scopes: [`api://sandbox-${name}/.default`],
    baseUrl: `${base}/apis/${name}`,
  }));
}
