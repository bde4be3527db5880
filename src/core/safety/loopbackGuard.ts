// DNS rebinding and web pages, for our loopback servers (the sandbox, the sidecar): a web page can make its own host
// name resolve to 127.0.0.1 and talk to a local server from the browser. Its requests carry that name in Host, and
// an Origin the server did not issue; real clients (undici, msal-node, @azure/identity, curl, the Agents SDK) send
// the server's own host and no Origin. A page's simple GET (an <img>, a <script>) carries no Origin at all, but every
// browser sends Sec-Fetch-Site with it: anything but "none" (typed by the user) or "same-origin" is a web page.

/** Why a request must be refused (403), or undefined when it comes from a local client for this origin. */
export function foreignCallerReason(
  service: string,
  ownOrigin: string,
  headers: { readonly host?: string; readonly origin?: string; readonly 'sec-fetch-site'?: string | string[] },
): string | undefined {
  const own = new URL(ownOrigin);
  const allowed = new Set([own.host.toLowerCase(), `localhost:${own.port}`]);
  const host = headers.host?.toLowerCase();
  if (!host || !allowed.has(host))
    return `The ${service} answers only requests for its own origin, ${ownOrigin}; this one was for ${JSON.stringify((host ?? '(no Host)').slice(0, 100))}.`;
  if (headers.origin !== undefined && headers.origin !== ownOrigin)
    return `The ${service} does not answer requests from web pages (the request carried a browser Origin).`;
  const site = headers['sec-fetch-site'];
  if (site !== undefined && !(typeof site === 'string' && ['none', 'same-origin'].includes(site.toLowerCase())))
    return `The ${service} does not answer requests from web pages (the request came from another site).`;
  return undefined;
}
